package dev.kiln.servers;

import java.time.OffsetDateTime;

/** A server's disk record; status 1 = allocated, 2 = being written, 3 = ready. */
public record Disk(long id, long serverId, String drive, int capacityGb, String type, int status,
        OffsetDateTime created, OffsetDateTime updated) {

    public static final int ALLOCATED = 1;
    public static final int WRITING = 2;
    public static final int READY = 3;
}
