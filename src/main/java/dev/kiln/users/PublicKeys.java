package dev.kiln.users;

import dev.kiln.ValidationException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Set;

/**
 * Validates OpenSSH public keys ({@code type base64 [comment]}): the type must be one OpenSSH
 * accepts, and the Base64 body must decode to a blob whose first field repeats that type.
 */
public final class PublicKeys {

    private static final Set<String> TYPES = Set.of("ssh-rsa", "ssh-ed25519", "ssh-dss", "ecdsa-sha2-nistp256",
            "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com",
            "sk-ecdsa-sha2-nistp256@openssh.com");

    /** Longest accepted key line; a 16384-bit RSA key is about 2.8 KB. */
    static final int MAX_LENGTH = 8192;

    private PublicKeys() {
    }

    /** Returns the key normalised to one line ({@code type body comment}) or throws 422. */
    public static String validate(String key) {
        if (key == null || key.isBlank()) {
            throw new ValidationException("The publicKey field is required.");
        }
        String line = key.strip();
        if (line.length() > MAX_LENGTH || line.contains("\n") || line.contains("\r")) {
            throw new ValidationException("The publicKey field must be a single OpenSSH public key line of at most "
                    + MAX_LENGTH + " characters.");
        }
        String[] parts = line.split("\\s+", 3);
        if (parts.length < 2 || !TYPES.contains(parts[0])) {
            throw new ValidationException("The publicKey field is not an OpenSSH public key: expected 'TYPE BASE64 [comment]' "
                    + "with TYPE one of ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256/384/521.");
        }
        byte[] blob;
        try {
            blob = Base64.getDecoder().decode(parts[1]);
        } catch (IllegalArgumentException e) {
            throw new ValidationException("The publicKey field has a key body that is not valid Base64.");
        }
        if (!parts[0].equals(blobType(blob))) {
            throw new ValidationException("The publicKey field is not a valid " + parts[0]
                    + " key: its body does not encode a key of that type.");
        }
        if (parts.length == 3 && parts[2].chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new ValidationException("The publicKey field's comment contains control characters.");
        }
        return String.join(" ", parts);
    }

    public static String displayType(String key) {
        return "OpenSSH";
    }

    private static String blobType(byte[] blob) {
        if (blob.length < 4) {
            return null;
        }
        ByteBuffer buffer = ByteBuffer.wrap(blob);
        int length = buffer.getInt();
        if (length <= 0 || length > blob.length - 4) {
            return null;
        }
        return new String(blob, 4, length, StandardCharsets.US_ASCII);
    }
}
