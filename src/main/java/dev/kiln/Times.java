package dev.kiln;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/** The two timestamp formats VirtFusion's JSON uses, always in UTC. */
public final class Times {

    /** {@code 2024-04-11T17:22:19+00:00}: servers, hypervisors, queue items. */
    private static final DateTimeFormatter OFFSET = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssxxx");

    /** {@code 2025-01-20T12:41:28.000000Z}: users, packages, SSH keys created by POST. */
    private static final DateTimeFormatter MICROS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'");

    private Times() {
    }

    public static String offset(OffsetDateTime time) {
        return time == null ? null : OFFSET.format(time.withOffsetSameInstant(ZoneOffset.UTC));
    }

    public static String micros(OffsetDateTime time) {
        return time == null ? null : MICROS.format(time.withOffsetSameInstant(ZoneOffset.UTC));
    }

    public static String micros(Instant time) {
        return MICROS.format(time.atOffset(ZoneOffset.UTC));
    }

    /** Current time truncated to microseconds, the precision both databases store. */
    public static OffsetDateTime now(java.time.Clock clock) {
        return OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
    }
}
