package dev.kiln.users;

import java.time.OffsetDateTime;

/** A panel user; billing modules find users by {@code extRelationId}. */
public record User(
        long id,
        Long extRelationId,
        String relStr,
        String name,
        String email,
        String timezone,
        int selfService,
        boolean admin,
        boolean suspended,
        OffsetDateTime created,
        OffsetDateTime updated) {
}
