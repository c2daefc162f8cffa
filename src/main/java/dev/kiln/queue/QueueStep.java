package dev.kiln.queue;

import java.time.OffsetDateTime;

/** One recorded step of a queue item, such as {@code server.disk.create.os}. */
public record QueueStep(long id, long queueItemId, String type, boolean success, String output,
        OffsetDateTime created, OffsetDateTime updated) {
}
