package dev.kiln.queue;

import org.jdbi.v3.core.Handle;

/**
 * Runs one kind of queue item (a build, a power action) once a worker has claimed it. The
 * worker settles the item and the server in one transaction, through {@link #completed} or
 * {@link #failed}, so a process that dies in between leaves both as they were.
 */
public interface QueueHandler {

    /** Does the work, recording steps through {@code steps}; throwing means the item failed. */
    void run(QueueItem item, StepRecorder steps);

    /** Moves the server to its state after a successful run, inside the finishing transaction. */
    void completed(Handle h, QueueItem item);

    /**
     * Undoes on the hypervisor what a failed run left half done. Runs before {@link #failed},
     * outside any transaction; expected driver errors are logged, not thrown.
     */
    void cleanUp(QueueItem item, Exception failure);

    /** Moves the server to its state after a failure and releases it, inside the finishing transaction. */
    void failed(Handle h, QueueItem item, String message);
}
