package dev.kiln.queue;

import dev.kiln.Times;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The queue workers of one Kiln process. Each worker claims the oldest claimable item (queued,
 * or running with a lapsed lease), runs its handler and finishes it. A heartbeat renews the
 * leases this process has, so any number of processes may share one database.
 *
 * <p>Each item that a worker of this process ends counts in {@code kiln.queue.items.finished}
 * ({@code kiln_queue_items_finished_total} in Prometheus), tagged with the item's {@code action}
 * and its {@code outcome}: {@code done} or {@code failed}.
 */
public final class Workers implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Workers.class);

    /** Claims of one item after which it is failed instead of run again (its workers kept dying). */
    static final int MAX_ATTEMPTS = 3;

    private static final Duration IDLE_POLL = Duration.ofMillis(500);

    public static final String FINISHED_METRIC = "kiln.queue.items.finished";

    private final Jdbi jdbi;
    private final QueueStore store;
    private final Map<String, QueueHandler> handlers;
    private final Clock clock;
    private final Duration lease;
    private final MeterRegistry metrics;
    private final String node;
    private final int count;
    private final Semaphore wakeUp = new Semaphore(0);
    private final Map<Long, AtomicBoolean> held = new ConcurrentHashMap<>();
    private final AtomicBoolean running = new AtomicBoolean();
    /** Set by {@link #close()}; a failure after it is taken as caused by the interrupt, not by the item. */
    private volatile boolean stopping;
    private ExecutorService pool;
    private ScheduledExecutorService heartbeat;

    public Workers(Jdbi jdbi, QueueStore store, Map<String, QueueHandler> handlers, Clock clock, Duration lease, String node,
            int count, MeterRegistry metrics) {
        this.jdbi = jdbi;
        this.store = store;
        this.handlers = Map.copyOf(handlers);
        this.clock = clock;
        this.lease = lease;
        // A random suffix keeps lease owners distinct even when two live nodes share a name.
        this.node = node + "#" + java.util.HexFormat.of().toHexDigits((short) new java.security.SecureRandom().nextInt());
        this.count = count;
        this.metrics = metrics;
    }

    public void start() {
        if (count == 0 || !running.compareAndSet(false, true)) {
            return;
        }
        pool = Executors.newFixedThreadPool(count, Thread.ofPlatform().name("kiln-worker-", 1).daemon().factory());
        for (int i = 0; i < count; i++) {
            int index = i;
            pool.submit(() -> loop(node + "/" + index));
        }
        heartbeat = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("kiln-heartbeat").daemon().factory());
        long period = Math.max(200, lease.toMillis() / 3);
        heartbeat.scheduleAtFixedRate(this::renewLeases, period, period, TimeUnit.MILLISECONDS);
        LOG.info("queue workers started: {} on node {}, lease {} s", count, node, lease.toSeconds());
    }

    /** Wakes an idle worker at once, after a new item was queued by this process. */
    public void signal() {
        wakeUp.release();
    }

    /**
     * Claims and runs one item if there is one, on the calling thread; tests use it to step
     * the queue by hand.
     *
     * @return true when an item was run
     */
    public boolean runOnce(String owner) {
        Optional<QueueItem> claimed = claim(owner);
        claimed.ifPresent(item -> execute(item, owner));
        return claimed.isPresent();
    }

    private void loop(String owner) {
        while (running.get()) {
            try {
                if (!runOnce(owner)) {
                    wakeUp.tryAcquire(IDLE_POLL.toMillis(), TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                LOG.error("queue worker {}: claim failed: {}; retrying in {} ms", owner, e.getMessage(), IDLE_POLL.toMillis());
                try {
                    Thread.sleep(IDLE_POLL);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    Optional<QueueItem> claim(String owner) {
        OffsetDateTime now = Times.now(clock);
        List<Long> candidates = jdbi.withHandle(h -> store.claimable(h, now, 8));
        for (Long id : candidates) {
            Optional<QueueItem> taken = jdbi.inTransaction(h -> {
                if (!store.lockCandidate(h, id)) {
                    return Optional.empty();
                }
                QueueItem item = store.find(h, id).orElseThrow();
                // Serialise claims per hypervisor, so its build limit applies across workers and nodes.
                int limit = h.createQuery("SELECT max_concurrent_builds FROM hypervisor WHERE id = :id FOR UPDATE")
                        .bind("id", item.hypervisorId()).mapTo(Integer.class).one();
                long runningHere = h.createQuery("SELECT COUNT(*) FROM queue_item WHERE hypervisor_id = :id "
                                + "AND status = 'running' AND lease_until >= :now AND id <> :item")
                        .bind("id", item.hypervisorId()).bind("now", now).bind("item", id).mapTo(Long.class).one();
                if (runningHere >= limit) {
                    return Optional.empty();
                }
                if (!store.claim(h, id, owner, now, now.plus(lease))) {
                    return Optional.empty();
                }
                return store.find(h, id);
            });
            if (taken.isPresent()) {
                return taken;
            }
        }
        return Optional.empty();
    }

    private void execute(QueueItem item, String owner) {
        AtomicBoolean lost = new AtomicBoolean();
        held.put(item.id(), lost);
        QueueHandler handler = handlers.get(item.action());
        try {
            if (item.attempts() > 1 && item.attempts() <= MAX_ATTEMPTS) {
                LOG.warn("queue item {} (server {}, {}): resumed by {} after its previous worker lost the lease (attempt {} of {})",
                        item.id(), item.serverId(), item.action(), owner, item.attempts(), MAX_ATTEMPTS);
            }
            if (handler == null) {
                fail(item, owner, null, new IllegalStateException("no handler for action " + item.action()));
                return;
            }
            if (item.attempts() > MAX_ATTEMPTS) {
                fail(item, owner, handler, new IllegalStateException("abandoned after " + MAX_ATTEMPTS
                        + " attempts whose workers stopped before finishing"));
                return;
            }
            StepRecorder steps = new StepRecorder(jdbi, store, clock, item, owner, stepCount(handler), lost);
            handler.run(item, steps);
            boolean finished = jdbi.inTransaction(h -> {
                if (!store.finish(h, item.id(), owner, false, null, Times.now(clock))) {
                    return false;
                }
                handler.completed(h, item);
                return true;
            });
            if (finished) {
                countFinished(item, "done");
            } else {
                LOG.warn("queue item {} (server {}): done by {} after its lease lapsed; the new holder decides its outcome",
                        item.id(), item.serverId(), owner);
            }
        } catch (LeaseLostException e) {
            LOG.warn("queue item {} (server {}): {}; this worker stops working on it", item.id(), item.serverId(), e.getMessage());
        } catch (RuntimeException e) {
            if (stopping) {
                handOver(item, owner, e);
            } else {
                fail(item, owner, handler, e);
            }
        } finally {
            // Remove only this run's entry: another worker of this node may hold the item by now.
            held.remove(item.id(), lost);
        }
    }

    private void fail(QueueItem item, String owner, QueueHandler handler, Exception failure) {
        String message = failure.getMessage() == null ? failure.getClass().getSimpleName() : failure.getMessage();
        if (!holdForCleanUp(item, owner)) {
            LOG.warn("queue item {} (server {}, {}): failed after {} lost its lease: {}; no clean-up, because the new holder "
                    + "decides the outcome", item.id(), item.serverId(), item.action(), owner, message);
            return;
        }
        LOG.warn("queue item {} (server {}, {}): failed: {}; cleaning up and releasing the server",
                item.id(), item.serverId(), item.action(), message);
        if (handler != null) {
            try {
                handler.cleanUp(item, failure);
            } catch (RuntimeException e) {
                LOG.error("queue item {} (server {}): clean-up after the failure also failed: {}; check the hypervisor by hand",
                        item.id(), item.serverId(), e.getMessage());
            }
        }
        boolean finished = jdbi.inTransaction(h -> {
            if (!store.finish(h, item.id(), owner, true, message, Times.now(clock))) {
                return false;
            }
            if (handler != null) {
                handler.failed(h, item, message);
            }
            return true;
        });
        if (finished) {
            countFinished(item, "failed");
        }
    }

    private void countFinished(QueueItem item, String outcome) {
        Counter.builder(FINISHED_METRIC).description("queue items that this node's workers ended")
                .tag("action", item.action()).tag("outcome", outcome).register(metrics).increment();
    }

    /**
     * Ends the lease at once instead of failing the item, so that another worker resumes it.
     * Stopping this node interrupts driver calls, and that interrupt is what made the run fail.
     */
    private void handOver(QueueItem item, String owner, RuntimeException failure) {
        // Clear the interrupt for the update, because connection pools may refuse an interrupted thread.
        boolean interrupted = Thread.interrupted();
        try {
            OffsetDateTime now = Times.now(clock);
            boolean released = jdbi.withHandle(h -> store.release(h, item.id(), owner, now));
            LOG.warn("queue item {} (server {}, {}): stopped by the node's shutdown ({}); {}", item.id(), item.serverId(),
                    item.action(), failure.getMessage(), released
                            ? "its lease ends now and the attempt is not counted, so another worker resumes it"
                            : "another worker holds it already");
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Extends the lease if {@code owner} still holds the item, so that no other worker takes it
     * over while the clean-up runs; false means another worker holds it now.
     */
    private boolean holdForCleanUp(QueueItem item, String owner) {
        OffsetDateTime now = Times.now(clock);
        return jdbi.withHandle(h -> store.renew(h, item.id(), owner, now, now.plus(lease)));
    }

    private static int stepCount(QueueHandler handler) {
        return handler instanceof CountedSteps counted ? counted.stepCount() : 1;
    }

    private void renewLeases() {
        OffsetDateTime now = Times.now(clock);
        held.forEach((id, lost) -> {
            try {
                QueueItem item = jdbi.withHandle(h -> store.find(h, id)).orElse(null);
                if (item == null || item.leaseOwner() == null || !item.leaseOwner().startsWith(node + "/")
                        || !jdbi.withHandle(h -> store.renew(h, id, item.leaseOwner(), now, now.plus(lease)))) {
                    lost.set(true);
                }
            } catch (RuntimeException e) {
                LOG.warn("queue item {}: lease renewal failed: {}; retrying at the next heartbeat", id, e.getMessage());
            }
        });
    }

    @Override
    public void close() {
        if (!running.compareAndSet(true, false)) {
            return;
        }
        stopping = true;
        heartbeat.shutdownNow();
        pool.shutdownNow();
        try {
            if (!pool.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("queue workers did not stop within 10 s; their items will be taken over when the leases lapse");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Implemented by handlers that know how many steps they record, for progress. */
    public interface CountedSteps {
        int stepCount();
    }
}
