package dev.kiln.queue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.KilnException;
import dev.kiln.http.Json;
import java.time.OffsetDateTime;

/**
 * A queued action on a server, such as a build or a power action.
 *
 * @param status {@code queued}, {@code running}, {@code done} or {@code failed}
 * @param payload the action's parameters as JSON; a secret in it is sealed with the secret key
 * @param leaseOwner the worker that holds the item while it runs
 * @param leaseUntil when the lease lapses unless the holder renews it
 */
public record QueueItem(
        long id,
        long serverId,
        long hypervisorId,
        String action,
        String status,
        int progress,
        boolean failed,
        String errorMessage,
        String payload,
        String leaseOwner,
        OffsetDateTime leaseUntil,
        int attempts,
        OffsetDateTime created,
        OffsetDateTime started,
        OffsetDateTime updated,
        OffsetDateTime finished) {

    public static final String QUEUED = "queued";
    public static final String RUNNING = "running";
    public static final String DONE = "done";
    public static final String FAILED = "failed";

    /** Parses {@link #payload}; an unreadable payload fails the item with a message naming it. */
    public JsonNode payloadJson() {
        try {
            return Json.MAPPER.readTree(payload);
        } catch (JsonProcessingException e) {
            throw new KilnException("queue item " + id + " has an unreadable payload: " + e.getOriginalMessage());
        }
    }

    public boolean active() {
        return QUEUED.equals(status) || RUNNING.equals(status);
    }
}
