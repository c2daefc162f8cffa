package dev.kiln.queue;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.KilnServer;
import dev.kiln.Times;
import dev.kiln.hypervisors.DomainStatus;
import dev.kiln.hypervisors.DriverException;
import dev.kiln.hypervisors.Hypervisor;
import dev.kiln.hypervisors.HypervisorDriver;
import dev.kiln.hypervisors.simulator.SimulatorDriver;
import dev.kiln.testing.DatabaseKind;
import dev.kiln.testing.Fixtures;
import dev.kiln.testing.TestKiln;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Claims and leases with the clock held still and the queue stepped by hand: a lapsed lease is
 * taken over, a worker that lost its lease leaves the item to the new holder, and an item whose
 * workers keep dying is failed after {@link Workers#MAX_ATTEMPTS}.
 */
abstract class LeaseCases {

    private static final Duration LEASE = Duration.ofSeconds(10);
    private static final Duration PAST_LEASE = LEASE.plusSeconds(1);
    private static final List<String> BUILD_STEPS = List.of("server.get.status", "server.os.template.exists",
            "server.create.ci", "server.disk.create.os", "server.vnc.disable", "server.os.install.check", "server.boot",
            "server.config.statistics");

    private final SettableClock clock = new SettableClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    private final Map<Long, SimulatorDriver> simulators = new ConcurrentHashMap<>();
    private final AtomicReference<Interception> interception = new AtomicReference<>();
    private TestKiln kiln;
    private Workers workers;

    abstract DatabaseKind kind();

    /** An action run once, on the worker's thread, before the named driver operation. */
    private record Interception(String operation, Runnable action) {
    }

    @BeforeEach
    void startNode() {
        kiln = TestKiln.builder(kind())
                .setting("workers", "0")
                .setting("leaseSeconds", Long.toString(LEASE.toSeconds()))
                .clock(clock)
                .drivers(this::interceptedSimulator)
                .start();
        workers = kiln.server().workers();
    }

    @AfterEach
    void stopNode() {
        kiln.close();
    }

    @Test
    void heldItemNotClaimedTwice() {
        long item = queueBuild();

        Optional<QueueItem> first = workers.claim("first/0");
        Optional<QueueItem> second = workers.claim("second/0");

        assertThat(first).isPresent();
        assertThat(second).isEmpty();
        assertThat(QueueRows.item(kiln, item).leaseOwner()).isEqualTo("first/0");
        assertThat(QueueRows.item(kiln, item).attempts()).isEqualTo(1);
    }

    @Test
    void concurrentClaimsOneWinner() throws Exception {
        long item = queueBuild();
        int threads = 8;
        CountDownLatch ready = new CountDownLatch(threads);
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<Optional<QueueItem>>> claims = new ArrayList<>();
        try {
            for (int i = 0; i < threads; i++) {
                String owner = "racer/" + i;
                claims.add(pool.submit(() -> {
                    ready.countDown();
                    assertThat(go.await(10, TimeUnit.SECONDS)).isTrue();
                    return workers.claim(owner);
                }));
            }
            assertThat(ready.await(10, TimeUnit.SECONDS)).isTrue();
            go.countDown();

            int winners = 0;
            for (Future<Optional<QueueItem>> claim : claims) {
                if (claim.get(30, TimeUnit.SECONDS).isPresent()) {
                    winners++;
                }
            }
            assertThat(winners).isEqualTo(1);
            assertThat(QueueRows.item(kiln, item).attempts()).isEqualTo(1);
        } finally {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void leaseHeldUntilItsEnd() {
        long item = queueBuild();
        workers.claim("gone/0").orElseThrow();

        clock.advance(LEASE);

        assertThat(workers.runOnce("alive/0")).isFalse();
        assertThat(QueueRows.item(kiln, item).leaseOwner()).isEqualTo("gone/0");
    }

    @Test
    void lapsedLeaseTakenOver() {
        long item = queueBuild();
        workers.claim("gone/0").orElseThrow();
        assertThat(workers.runOnce("alive/0")).isFalse();

        clock.advance(PAST_LEASE);

        assertThat(workers.runOnce("alive/0")).isTrue();
        QueueItem done = QueueRows.item(kiln, item);
        assertThat(done.status()).isEqualTo(QueueItem.DONE);
        assertThat(done.failed()).isFalse();
        assertThat(done.attempts()).isEqualTo(2);
        assertThat(QueueRows.stepTypes(kiln, item)).isEqualTo(BUILD_STEPS);
        assertThat(server(serverOf(item)).path("commissionStatus").asInt()).isEqualTo(3);
    }

    @Test
    void abandonedAfterMaxAttempts() {
        long item = queueBuild();
        for (int attempt = 1; attempt <= Workers.MAX_ATTEMPTS; attempt++) {
            workers.claim("dying/" + attempt).orElseThrow();
            clock.advance(PAST_LEASE);
        }

        assertThat(workers.runOnce("last/0")).isTrue();

        QueueItem failed = QueueRows.item(kiln, item);
        assertThat(failed.status()).isEqualTo(QueueItem.FAILED);
        assertThat(failed.failed()).isTrue();
        assertThat(failed.attempts()).isEqualTo(Workers.MAX_ATTEMPTS + 1);
        assertThat(failed.errorMessage()).contains("abandoned after " + Workers.MAX_ATTEMPTS + " attempts");
        assertThat(QueueRows.steps(kiln, item)).isEmpty();
        JsonNode server = server(serverOf(item));
        assertThat(server.path("buildFailed").asBoolean()).isTrue();
        assertThat(server.path("tasks").path("active").asBoolean()).isFalse();
    }

    @Test
    void staleWorkerStepNotRecorded() {
        long item = queueBuild();
        interception.set(new Interception("start", () -> {
            clock.advance(PAST_LEASE);
            assertThat(workers.runOnce("rescuer/0")).isTrue();
        }));

        assertThat(workers.runOnce("stale/0")).isTrue();

        QueueItem done = QueueRows.item(kiln, item);
        assertThat(done.status()).isEqualTo(QueueItem.DONE);
        assertThat(done.attempts()).isEqualTo(2);
        List<String> types = QueueRows.stepTypes(kiln, item);
        assertThat(types).hasSize(BUILD_STEPS.indexOf("server.boot") + BUILD_STEPS.size());
        assertThat(types.subList(types.size() - BUILD_STEPS.size(), types.size())).isEqualTo(BUILD_STEPS);
    }

    @Test
    void staleWorkerFailureKeepsRescuedDomain() {
        long item = queueBuild();
        interception.set(new Interception("defineDomain", () -> {
            clock.advance(PAST_LEASE);
            assertThat(workers.runOnce("rescuer/0")).isTrue();
            throw new DriverException("simulated host: defineDomain failed after the lease lapsed");
        }));

        assertThat(workers.runOnce("stale/0")).isTrue();

        QueueItem done = QueueRows.item(kiln, item);
        assertThat(done.status()).isEqualTo(QueueItem.DONE);
        assertThat(done.failed()).isFalse();
        assertThat(QueueRows.steps(kiln, item)).allMatch(QueueStep::success);
        JsonNode server = server(serverOf(item));
        assertThat(server.path("commissionStatus").asInt()).isEqualTo(3);
        assertThat(server.path("buildFailed").asBoolean()).isFalse();
        SimulatorDriver simulator = simulators.get(server.path("hypervisorId").asLong());
        String uuid = server.path("uuid").asText();
        assertThat(simulator.domainNames()).contains(uuid);
        assertThat(simulator.status(uuid)).isEqualTo(DomainStatus.RUNNING);
        assertThat(simulator.seed(uuid)).isNotNull();
    }

    @Test
    void staleFailureSkipsCleanUp() {
        Fixtures fixtures = new Fixtures(kiln.api());
        long server = fixtures.server(fixtures.user(1), 1);
        var jdbi = kiln.server().database().jdbi();
        QueueStore store = new QueueStore(kiln.server().database().dialect());
        RecordingHandler handler = new RecordingHandler();
        Workers own = new Workers(jdbi, store, Map.of("stale_test", handler), clock, LEASE, "own", 0,
                new SimpleMeterRegistry());
        handler.workers = own;
        long item = jdbi.inTransaction(h -> store.insert(h, server, server(server).path("hypervisorId").asLong(), "stale_test",
                "{}", Times.now(clock)));

        assertThat(own.runOnce("stale/0")).isTrue();

        assertThat(handler.cleanedUp).isEmpty();
        assertThat(handler.failed).isEmpty();
        assertThat(handler.completed).containsExactly(2);
        assertThat(QueueRows.item(kiln, item).status()).isEqualTo(QueueItem.DONE);
    }

    @Test
    void shutdownReleasesItemUncounted() throws Exception {
        Fixtures fixtures = new Fixtures(kiln.api());
        long server = fixtures.server(fixtures.user(1), 1);
        var jdbi = kiln.server().database().jdbi();
        QueueStore store = new QueueStore(kiln.server().database().dialect());
        CountDownLatch running = new CountDownLatch(1);
        Workers stopping = new Workers(jdbi, store, Map.of("release_test", new BlockingHandler(running)), clock, LEASE,
                "stopping", 1, new SimpleMeterRegistry());
        long item = jdbi.inTransaction(h -> store.insert(h, server, server(server).path("hypervisorId").asLong(), "release_test",
                "{}", Times.now(clock)));

        stopping.start();
        assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
        stopping.close();

        QueueItem released = QueueRows.item(kiln, item);
        assertThat(released.status()).isEqualTo(QueueItem.RUNNING);
        assertThat(released.attempts()).isZero();
        assertThat(released.leaseUntil().toInstant()).isEqualTo(clock.instant());

        clock.advance(Duration.ofSeconds(1));
        Workers next = new Workers(jdbi, store, Map.of("release_test", new BlockingHandler(null)), clock, LEASE, "next", 0,
                new SimpleMeterRegistry());
        assertThat(next.runOnce("next/0")).isTrue();

        QueueItem done = QueueRows.item(kiln, item);
        assertThat(done.status()).isEqualTo(QueueItem.DONE);
        assertThat(done.attempts()).isEqualTo(1);
    }

    /**
     * A handler that, given a latch, counts it down and then waits until its worker is
     * interrupted. Without a latch it succeeds at once.
     */
    private record BlockingHandler(CountDownLatch running) implements QueueHandler {

        @Override
        public void run(QueueItem item, StepRecorder steps) {
            if (running == null) {
                return;
            }
            running.countDown();
            try {
                new CountDownLatch(1).await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted by the node's shutdown", e);
            }
        }

        @Override
        public void completed(Handle h, QueueItem item) {
        }

        @Override
        public void cleanUp(QueueItem item, Exception failure) {
        }

        @Override
        public void failed(Handle h, QueueItem item, String message) {
        }
    }

    /**
     * A handler whose first attempt lets its lease lapse, has the item taken over and run to the
     * end by {@code rescuer/0}, then fails; it records which attempts reached which callback.
     */
    private final class RecordingHandler implements QueueHandler {
        private final List<Integer> completed = new ArrayList<>();
        private final List<Integer> cleanedUp = new ArrayList<>();
        private final List<Integer> failed = new ArrayList<>();
        private Workers workers;

        @Override
        public void run(QueueItem item, StepRecorder steps) {
            if (item.attempts() == 1) {
                clock.advance(PAST_LEASE);
                assertThat(workers.runOnce("rescuer/0")).isTrue();
                throw new IllegalStateException("failed after the lease lapsed");
            }
        }

        @Override
        public void completed(Handle h, QueueItem item) {
            completed.add(item.attempts());
        }

        @Override
        public void cleanUp(QueueItem item, Exception failure) {
            cleanedUp.add(item.attempts());
        }

        @Override
        public void failed(Handle h, QueueItem item, String message) {
            failed.add(item.attempts());
        }
    }

    private long queueBuild() {
        Fixtures fixtures = new Fixtures(kiln.api());
        long server = fixtures.server(fixtures.user(1), 1);
        fixtures.build(server, "{\"operatingSystemId\":1}");
        return QueueRows.latestItem(kiln, server);
    }

    private long serverOf(long item) {
        return QueueRows.item(kiln, item).serverId();
    }

    private JsonNode server(long id) {
        return kiln.api().get("/api/v1/servers/" + id).data();
    }

    private HypervisorDriver interceptedSimulator(Hypervisor hypervisor) {
        SimulatorDriver simulator = (SimulatorDriver) KilnServer.defaultDriver(hypervisor);
        simulators.put(hypervisor.id(), simulator);
        return new ForwardingDriver(simulator) {
            @Override
            protected <T> T call(String operation, String subject, Supplier<T> action) {
                Interception pending = interception.get();
                if (pending != null && pending.operation().equals(operation) && interception.compareAndSet(pending, null)) {
                    pending.action().run();
                }
                return action.get();
            }
        };
    }
}
