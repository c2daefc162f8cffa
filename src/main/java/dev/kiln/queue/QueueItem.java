package dev.kiln.queue;

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

    public boolean active() {
        return QUEUED.equals(status) || RUNNING.equals(status);
    }
}
