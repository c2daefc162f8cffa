package dev.kiln.queue;

import dev.kiln.Times;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.jdbi.v3.core.Jdbi;

/**
 * Records the steps of one claimed queue item and moves its progress. Each step runs only while
 * the worker still has the lease, and a failed step is recorded before its error propagates. A
 * step that ends after the lease was lost is not recorded and ends the run with
 * {@link LeaseLostException}, so the item's new holder alone writes its steps and decides its
 * outcome.
 */
public final class StepRecorder {

    private final Jdbi jdbi;
    private final QueueStore store;
    private final Clock clock;
    private final QueueItem item;
    private final String owner;
    private final int totalSteps;
    private final AtomicBoolean leaseLost;
    private int done;

    StepRecorder(Jdbi jdbi, QueueStore store, Clock clock, QueueItem item, String owner, int totalSteps, AtomicBoolean leaseLost) {
        this.jdbi = jdbi;
        this.store = store;
        this.clock = clock;
        this.item = item;
        this.owner = owner;
        this.totalSteps = Math.max(1, totalSteps);
        this.leaseLost = leaseLost;
    }

    /**
     * Runs one step and records it with its output (or the error message) under {@code type}.
     *
     * @throws LeaseLostException when the lease was lost before the step started or while it ran;
     *     the step's own error, if any, is attached as suppressed
     */
    public String step(String type, Supplier<String> action) {
        checkLease();
        OffsetDateTime started = Times.now(clock);
        String output;
        try {
            output = action.get();
        } catch (RuntimeException e) {
            String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            if (!recordIfHeld(type, false, message, started)) {
                LeaseLostException lost = new LeaseLostException(item.id());
                lost.addSuppressed(e);
                throw lost;
            }
            throw e;
        }
        done++;
        String recorded = output == null ? "" : output;
        if (!recordIfHeld(type, true, recorded, started)) {
            throw new LeaseLostException(item.id());
        }
        return recorded;
    }

    /**
     * Moves the progress and records the step in one transaction if this worker still has
     * the lease on the item. Otherwise it writes nothing and marks the lease as lost.
     */
    private boolean recordIfHeld(String type, boolean success, String output, OffsetDateTime started) {
        int progress = Math.min(99, done * 100 / totalSteps);
        boolean held = jdbi.inTransaction(h -> {
            if (!store.progress(h, item.id(), owner, progress, Times.now(clock))) {
                return false;
            }
            store.recordStep(h, item.id(), type, success, output, started, Times.now(clock));
            return true;
        });
        if (!held) {
            leaseLost.set(true);
        }
        return held;
    }

    public void checkLease() {
        if (leaseLost.get()) {
            throw new LeaseLostException(item.id());
        }
    }
}
