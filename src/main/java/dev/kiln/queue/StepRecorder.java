package dev.kiln.queue;

import dev.kiln.Times;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.jdbi.v3.core.Jdbi;

/**
 * Records the steps of one claimed queue item and moves its progress. Each step runs only while
 * the worker still holds the lease; a failed step is recorded before its error propagates.
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
     * @throws LeaseLostException when the lease lapsed before the step could start
     */
    public String step(String type, Supplier<String> action) {
        checkLease();
        OffsetDateTime started = Times.now(clock);
        String output;
        try {
            output = action.get();
        } catch (RuntimeException e) {
            String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            jdbi.useHandle(h -> store.recordStep(h, item.id(), type, false, message, started, Times.now(clock)));
            throw e;
        }
        done++;
        int progress = Math.min(99, done * 100 / totalSteps);
        String recorded = output == null ? "" : output;
        boolean held = jdbi.inTransaction(h -> {
            store.recordStep(h, item.id(), type, true, recorded, started, Times.now(clock));
            return store.progress(h, item.id(), owner, progress, Times.now(clock));
        });
        if (!held) {
            leaseLost.set(true);
            throw new LeaseLostException(item.id());
        }
        return recorded;
    }

    public void checkLease() {
        if (leaseLost.get()) {
            throw new LeaseLostException(item.id());
        }
    }
}
