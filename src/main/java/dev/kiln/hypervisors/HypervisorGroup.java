package dev.kiln.hypervisors;

import java.time.OffsetDateTime;

/** A hypervisor group; {@code POST /servers} names one as {@code hypervisorId}. */
public record HypervisorGroup(
        long id,
        String name,
        String description,
        int distributionType,
        boolean enabled,
        boolean isDefault,
        OffsetDateTime created,
        OffsetDateTime updated) {
}
