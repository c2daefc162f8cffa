package dev.kiln.users;

import java.time.OffsetDateTime;

/** A user's SSH public key, installed into servers that the user builds with it. */
public record SshKey(long id, long userId, String name, String publicKey, String type, boolean enabled,
        OffsetDateTime created, OffsetDateTime updated) {
}
