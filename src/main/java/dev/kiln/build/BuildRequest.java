package dev.kiln.build;

import dev.kiln.http.JsonBody;
import java.math.BigDecimal;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The body of {@code POST /servers/{id}/build} after its own rules: types, the hostname's
 * RFC 1123 syntax, the name's length and characters, and the allowed swap sizes. Rules that
 * need stored state (template offered, key owners) are the service's.
 *
 * @param name new server name, or null to keep the current one
 * @param hostname new hostname, or null to keep the current one
 * @param sshKeyIds the exact key set to install, without duplicates (empty when none)
 * @param swapMb swap file size in MiB, 0 for none
 */
public record BuildRequest(
        long operatingSystemId,
        String name,
        String hostname,
        List<Long> sshKeyIds,
        boolean vnc,
        boolean ipv6,
        boolean email,
        int swapMb) {

    /** Longest accepted server name, in characters; longer names are rejected, never cut. */
    public static final int NAME_MAX = 255;

    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");

    /** Swap sizes VirtFusion offers: 256, 512 and 768 as MiB, the others as GiB. */
    private static final Map<BigDecimal, Integer> SWAP_MB = Map.ofEntries(
            Map.entry(new BigDecimal("256"), 256),
            Map.entry(new BigDecimal("512"), 512),
            Map.entry(new BigDecimal("768"), 768),
            Map.entry(new BigDecimal("1"), 1024),
            Map.entry(new BigDecimal("1.5"), 1536),
            Map.entry(new BigDecimal("2"), 2048),
            Map.entry(new BigDecimal("3"), 3072),
            Map.entry(new BigDecimal("4"), 4096),
            Map.entry(new BigDecimal("5"), 5120),
            Map.entry(new BigDecimal("6"), 6144),
            Map.entry(new BigDecimal("8"), 8192));

    /** Reads and checks the body; throws one 422 that lists every violation. */
    public static BuildRequest parse(JsonBody body) {
        Long operatingSystemId = body.requiredLong("operatingSystemId");
        if (operatingSystemId != null && operatingSystemId <= 0) {
            body.reject("The operatingSystemId field must be a positive integer (got " + operatingSystemId + ").");
        }
        String name = body.optionalString("name");
        if (name != null) {
            checkName(body, name);
        }
        String hostname = body.optionalString("hostname");
        if (hostname != null) {
            String problem = hostnameProblem(hostname);
            if (problem != null) {
                body.reject("The hostname field is invalid: '" + printable(hostname) + "' " + problem + ".");
            }
        }
        List<Long> keys = body.optionalLongList("sshKeys");
        Boolean vnc = body.optionalBoolean("vnc");
        Boolean ipv6 = body.optionalBoolean("ipv6");
        Boolean email = body.optionalBoolean("email");
        BigDecimal swap = body.optionalDecimal("swap");
        Integer swapMb = null;
        if (swap != null) {
            swapMb = SWAP_MB.get(swap.stripTrailingZeros().scale() < 0 ? swap.setScale(0) : swap.stripTrailingZeros());
            if (swapMb == null) {
                body.reject("The swap field must be one of 256, 512, 768 (MiB) or 1, 1.5, 2, 3, 4, 5, 6, 8 (GiB) (got "
                        + swap.toPlainString() + ").");
            }
        }
        body.validate();
        return new BuildRequest(operatingSystemId, name, hostname,
                keys == null ? List.of() : List.copyOf(new LinkedHashSet<>(keys)),
                Boolean.TRUE.equals(vnc), Boolean.TRUE.equals(ipv6), Boolean.TRUE.equals(email),
                swapMb == null ? 0 : swapMb);
    }

    private static void checkName(JsonBody body, String name) {
        String problem = nameProblem(name);
        if (problem != null) {
            body.reject("The name field " + problem + ".");
        }
    }

    /**
     * Checks a server name: not blank, at most {@link #NAME_MAX} characters, no control characters.
     *
     * @return what is wrong (to follow "The name field"), or null when the name is valid
     */
    public static String nameProblem(String name) {
        int length = name.codePointCount(0, name.length());
        if (name.isBlank()) {
            return "must not be blank";
        }
        if (length > NAME_MAX) {
            return "must be at most " + NAME_MAX + " characters (got " + length + ")";
        }
        if (name.codePoints().anyMatch(c -> Character.getType(c) == Character.CONTROL)) {
            return "must not contain control characters";
        }
        return null;
    }

    /**
     * Checks RFC 1123 host name syntax: dot-separated labels of 1 to 63 letters, digits and
     * hyphens, no hyphen at either end of a label, at most 253 characters in all.
     *
     * @return what is wrong, or null when the name is valid
     */
    static String hostnameProblem(String hostname) {
        if (hostname.isEmpty()) {
            return "is empty";
        }
        if (hostname.length() > 253) {
            return "is longer than 253 characters";
        }
        String trimmed = hostname.endsWith(".") ? hostname.substring(0, hostname.length() - 1) : hostname;
        if (trimmed.isEmpty()) {
            return "has an empty label";
        }
        for (String label : trimmed.split("\\.", -1)) {
            if (label.isEmpty()) {
                return "has an empty label";
            }
            if (label.length() > 63) {
                return "has a label longer than 63 characters";
            }
            if (!LABEL.matcher(label).matches()) {
                return "has a label that is not letters, digits and inner hyphens ('" + printable(label) + "')";
            }
        }
        return null;
    }

    private static String printable(String text) {
        String cut = text.length() > 70 ? text.substring(0, 70) + "…" : text;
        StringBuilder out = new StringBuilder();
        cut.codePoints().forEach(c -> {
            if (Character.getType(c) == Character.CONTROL) {
                out.append(String.format("\\u%04x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }
}
