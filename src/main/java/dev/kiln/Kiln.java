package dev.kiln; public class Kiln { public static void main(String[] a){} }
