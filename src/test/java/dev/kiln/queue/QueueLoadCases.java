package dev.kiln.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.KilnServer;
import dev.kiln.hypervisors.Hypervisor;
import dev.kiln.hypervisors.HypervisorDriver;
import dev.kiln.testing.DatabaseKind;
import dev.kiln.testing.Fixtures;
import dev.kiln.testing.TestKiln;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A hundred builds on two simulated hypervisors with eight workers: every item runs exactly
 * once, and no hypervisor runs more builds at a time than its {@code maxConcurrentBuilds}.
 */
abstract class QueueLoadCases {

    private static final int BUILDS = 100;
    private static final int WORKERS = 8;
    /** Build limits of the hypervisors in queue-inventory.yaml. */
    private static final Map<String, Integer> LIMITS = Map.of("load-a", 3, "load-b", 2);

    private final BuildTracker tracker = new BuildTracker();

    abstract DatabaseKind kind();

    @Test
    void hundredBuildsRunOnce() {
        try (TestKiln kiln = TestKiln.builder(kind())
                .inventory("/queue-inventory.yaml")
                .setting("workers", Integer.toString(WORKERS))
                .setting("db.poolSize", "16")
                .drivers(tracker::wrap)
                .start()) {
            Fixtures fixtures = new Fixtures(kiln.api());
            long user = fixtures.user(1);
            List<Long> servers = new ArrayList<>();
            for (int i = 0; i < BUILDS; i++) {
                servers.add(fixtures.server(user, 1));
            }
            servers.forEach(server -> fixtures.build(server, "{\"operatingSystemId\":1}"));

            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                    .until(() -> QueueRows.all(kiln).stream().noneMatch(QueueItem::active));

            List<QueueItem> items = QueueRows.all(kiln);
            Map<Long, Long> stepsPerItem = items.stream()
                    .collect(Collectors.toMap(QueueItem::id, item -> QueueRows.stepCount(kiln, item.id())));
            assertThat(items).hasSize(BUILDS);
            assertThat(items).allMatch(item -> QueueItem.DONE.equals(item.status()), "status done");
            assertThat(items).noneMatch(QueueItem::failed);
            assertThat(items).allMatch(item -> item.attempts() == 1, "one attempt");
            assertThat(stepsPerItem).allSatisfy((item, steps) -> assertThat(steps).as("steps of item " + item).isEqualTo(8));
            assertThat(builtServers(kiln)).isEqualTo(BUILDS);
            assertThat(items.stream().map(QueueItem::hypervisorId).distinct()).hasSize(2);
            assertThat(tracker.startsPerServer()).hasSize(BUILDS);
            assertThat(tracker.startsPerServer()).allSatisfy((uuid, starts) -> assertThat(starts).isEqualTo(1));
            assertThat(tracker.peaks()).allSatisfy((host, peak) -> assertThat(peak).as(host).isLessThanOrEqualTo(LIMITS.get(host)));
            assertThat(tracker.peaks().values()).as("builds overlapped").anyMatch(peak -> peak >= 2);
        }
    }

    private static long builtServers(TestKiln kiln) {
        return kiln.server().database().jdbi().withHandle(h -> h.createQuery(
                "SELECT COUNT(*) FROM server WHERE commission_status = 3").mapTo(Long.class).one());
    }

    /**
     * Counts, per hypervisor, the builds between their first driver call and the end of their
     * last one ({@code remoteState}). That span lies inside the time the queue item is running,
     * so the peak counted here is at most the peak of running queue items.
     */
    private static final class BuildTracker {
        private final Map<String, Set<String>> active = new HashMap<>();
        private final Map<String, Integer> peaks = new TreeMap<>();
        private final Map<String, Integer> starts = new HashMap<>();

        HypervisorDriver wrap(Hypervisor hypervisor) {
            String host = hypervisor.name();
            return new ForwardingDriver(KilnServer.defaultDriver(hypervisor)) {
                @Override
                protected <T> T call(String operation, String subject, Supplier<T> action) {
                    if (!operation.equals("ensureTemplate")) {
                        enter(host, subject);
                    }
                    T result = action.get();
                    if (operation.equals("start")) {
                        started(subject);
                    }
                    if (operation.equals("remoteState")) {
                        leave(host, subject);
                    }
                    return result;
                }
            };
        }

        synchronized Map<String, Integer> peaks() {
            return new TreeMap<>(peaks);
        }

        synchronized Map<String, Integer> startsPerServer() {
            return new HashMap<>(starts);
        }

        private synchronized void enter(String host, String serverUuid) {
            Set<String> building = active.computeIfAbsent(host, h -> new HashSet<>());
            building.add(serverUuid);
            peaks.merge(host, building.size(), Math::max);
        }

        private synchronized void leave(String host, String serverUuid) {
            active.getOrDefault(host, new HashSet<>()).remove(serverUuid);
        }

        private synchronized void started(String serverUuid) {
            starts.merge(serverUuid, 1, Integer::sum);
        }
    }
}
