package dev.kiln.security;

import org.apache.commons.codec.digest.Sha2Crypt;

/** Generated passwords and the SHA-512-crypt hashes that guests and user records receive. */
public final class Passwords {

    private static final String ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    private static final String SALT_ALPHABET = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    /** Length of generated root passwords, as VirtFusion generates them. */
    public static final int ROOT_PASSWORD_LENGTH = 20;

    private Passwords() {
    }

    /** Generates a password of letters and digits, leaving out look-alikes such as 0/O and 1/l. */
    public static String random(int length) {
        return randomFrom(ALPHABET, length);
    }

    /** Hashes with SHA-512-crypt ({@code $6$salt$hash}), the format of /etc/shadow and cloud-init. */
    public static String sha512Crypt(String password) {
        return Sha2Crypt.sha512Crypt(password.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                "$6$" + randomFrom(SALT_ALPHABET, 16));
    }

    public static boolean matchesSha512Crypt(String password, String hash) {
        int end = hash.lastIndexOf('$');
        if (!hash.startsWith("$6$") || end < 3) {
            return false;
        }
        String again = Sha2Crypt.sha512Crypt(password.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                hash.substring(0, end));
        return java.security.MessageDigest.isEqual(again.getBytes(), hash.getBytes());
    }

    private static String randomFrom(String alphabet, int length) {
        StringBuilder out = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            out.append(alphabet.charAt(Tokens.random().nextInt(alphabet.length())));
        }
        return out.toString();
    }
}
