package dev.kiln.network;

import dev.kiln.ValidationException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.util.Locale;
import java.util.regex.Pattern;

/** Parsing and arithmetic on IP addresses and MAC addresses, without name look-ups. */
public final class Addresses {

    private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9a-fA-F:]{2,39}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private Addresses() {
    }

    public static boolean isIpv4(String text) {
        return text != null && IPV4.matcher(text).matches();
    }

    public static long ipv4ToLong(String address) {
        if (!isIpv4(address)) {
            throw new ValidationException("'" + address + "' is not a valid IPv4 address");
        }
        long value = 0;
        for (String part : address.split("\\.")) {
            value = (value << 8) | Integer.parseInt(part);
        }
        return value;
    }

    public static String longToIpv4(long value) {
        return ((value >> 24) & 255) + "." + ((value >> 16) & 255) + "." + ((value >> 8) & 255) + "." + (value & 255);
    }

    /** Prefix length of a dotted netmask; rejects masks with holes. */
    public static int prefixLength(String netmask) {
        long mask = ipv4ToLong(netmask);
        int length = Long.bitCount(mask);
        long expected = length == 0 ? 0 : (0xFFFFFFFFL << (32 - length)) & 0xFFFFFFFFL;
        if (mask != expected) {
            throw new ValidationException("netmask '" + netmask + "' is not a contiguous mask");
        }
        return length;
    }

    /** Parses an IPv6 address literal (no host names) into its 128-bit value. */
    public static BigInteger ipv6ToBigInteger(String address) {
        if (address == null || !IPV6.matcher(address).matches() || !address.contains(":")) {
            throw new ValidationException("'" + address + "' is not a valid IPv6 address");
        }
        try {
            return new BigInteger(1, InetAddress.getByName(address).getAddress());
        } catch (UnknownHostException e) {
            throw new ValidationException("'" + address + "' is not a valid IPv6 address");
        }
    }

    /** Formats a 128-bit value in the compressed form ({@code 2001:db8::1}). */
    public static String bigIntegerToIpv6(BigInteger value) {
        byte[] raw = value.toByteArray();
        byte[] bytes = new byte[16];
        int copy = Math.min(raw.length, 16);
        System.arraycopy(raw, raw.length - copy, bytes, 16 - copy, copy);
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((bytes[2 * i] & 0xFF) << 8) | (bytes[2 * i + 1] & 0xFF);
        }
        int bestStart = -1;
        int bestLength = 0;
        for (int i = 0; i < 8; ) {
            if (groups[i] == 0) {
                int j = i;
                while (j < 8 && groups[j] == 0) {
                    j++;
                }
                if (j - i > bestLength && j - i > 1) {
                    bestStart = i;
                    bestLength = j - i;
                }
                i = j;
            } else {
                i++;
            }
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                out.append(i == 0 ? "::" : ":");
                i += bestLength - 1;
                continue;
            }
            out.append(Integer.toHexString(groups[i]));
            if (i < 7) {
                out.append(':');
            }
        }
        return out.toString().toLowerCase(Locale.ROOT);
    }

    /**
     * Generates a random MAC address with the locally administered bit set and the multicast
     * bit clear ({@code 52:54:00} is QEMU's own prefix, so Kiln uses {@code 02:} plus random).
     */
    public static String randomMac() {
        byte[] bytes = new byte[5];
        RANDOM.nextBytes(bytes);
        StringBuilder out = new StringBuilder("02");
        for (byte b : bytes) {
            out.append(':').append(String.format("%02x", b & 0xFF));
        }
        return out.toString();
    }
}
