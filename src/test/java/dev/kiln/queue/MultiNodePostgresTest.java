package dev.kiln.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.testing.Fixtures;
import dev.kiln.testing.TestDatabases;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Several {@code kiln serve} processes on one PostgreSQL database: together they run every
 * queue item exactly once, and an item whose node was killed or stopped mid-build is taken over
 * by another node.
 */
class MultiNodePostgresTest {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final List<String> BUILD_STEPS = List.of("server.get.status", "server.os.template.exists",
            "server.create.ci", "server.disk.create.os", "server.vnc.disable", "server.os.install.check", "server.boot",
            "server.config.statistics");
    private static final Pattern COMPLETED = Pattern.compile("build of queue item (\\d+) complete");

    private final List<KilnProcess> nodes = new ArrayList<>();
    private Path root;
    private Path firstDataDir;
    private TestDatabases.Credentials database;
    private Jdbi jdbi;

    @BeforeEach
    void createDatabase() throws IOException {
        root = Files.createTempDirectory("kiln-nodes-");
        database = TestDatabases.newPostgresDatabase();
        jdbi = Jdbi.create(database.url(), database.user(), database.password());
    }

    @AfterEach
    void stopNodes() throws IOException {
        try {
            nodes.forEach(KilnProcess::close);
        } finally {
            try (Stream<Path> files = Files.walk(root)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    @Test
    void twoNodesShareQueue() throws IOException {
        Path inventory = writeInventory(40);
        KilnProcess nodeA = startNode("node-a", inventory, Map.of("KILN_WORKERS", "3"));
        KilnProcess nodeB = startNode("node-b", inventory, Map.of("KILN_WORKERS", "3"));
        Fixtures viaA = new Fixtures(nodeA.api());
        Fixtures viaB = new Fixtures(nodeB.api());
        long user = viaA.user(1);
        List<Long> servers = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            servers.add(viaA.server(user, 1));
        }

        for (int i = 0; i < servers.size(); i++) {
            (i % 2 == 0 ? viaA : viaB).build(servers.get(i), "{\"operatingSystemId\":1}");
        }
        Set<String> leaseOwners = ConcurrentHashMap.newKeySet();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            List<QueueItem> items = items();
            items.stream().map(QueueItem::leaseOwner).filter(owner -> owner != null).forEach(leaseOwners::add);
            return items.size() == servers.size() && items.stream().noneMatch(QueueItem::active);
        });

        List<QueueItem> items = items();
        Set<Long> doneByA = completedItems(nodeA);
        Set<Long> doneByB = completedItems(nodeB);
        Set<Long> doneByBoth = new HashSet<>(doneByA);
        doneByBoth.retainAll(doneByB);
        Set<Long> doneByEither = new HashSet<>(doneByA);
        doneByEither.addAll(doneByB);
        assertThat(items).allMatch(item -> QueueItem.DONE.equals(item.status()), "status done");
        assertThat(items).allMatch(item -> item.attempts() == 1, "one attempt");
        assertThat(items).allSatisfy(item -> assertThat(stepTypes(item.id())).as("steps of item " + item.id()).isEqualTo(BUILD_STEPS));
        assertThat(leaseOwners).anyMatch(owner -> owner.startsWith("node-a#"));
        assertThat(leaseOwners).anyMatch(owner -> owner.startsWith("node-b#"));
        assertThat(doneByA).isNotEmpty();
        assertThat(doneByB).isNotEmpty();
        assertThat(doneByBoth).isEmpty();
        assertThat(doneByEither).containsExactlyInAnyOrderElementsOf(items.stream().map(QueueItem::id).toList());
    }

    @Test
    void killedNodeItemResumed() throws IOException {
        Path inventory = writeInventory(250);
        Map<String, String> settings = Map.of("KILN_WORKERS", "1", "KILN_LEASE_SECONDS", "2");
        KilnProcess nodeA = startNode("node-a", inventory, settings);
        Fixtures viaA = new Fixtures(nodeA.api());
        long server = viaA.server(viaA.user(1), 1);
        viaA.build(server, "{\"operatingSystemId\":1}");
        long itemId = jdbi.withHandle(h -> h.createQuery("SELECT MAX(id) FROM queue_item WHERE server_id = :id")
                .bind("id", server).mapTo(Long.class).one());

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                .until(() -> item(itemId).progress() >= 1);
        nodeA.kill();
        QueueItem orphan = item(itemId);
        assertThat(orphan.status()).isEqualTo(QueueItem.RUNNING);
        assertThat(orphan.progress()).isBetween(1, 99);
        assertThat(orphan.leaseOwner()).startsWith("node-a#");

        KilnProcess nodeB = startNode("node-b", inventory, settings);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> !item(itemId).active());

        QueueItem done = item(itemId);
        List<String> steps = stepTypes(itemId);
        assertThat(done.status()).isEqualTo(QueueItem.DONE);
        assertThat(done.failed()).isFalse();
        assertThat(done.attempts()).isEqualTo(2);
        assertThat(steps.subList(Math.max(0, steps.size() - BUILD_STEPS.size()), steps.size())).isEqualTo(BUILD_STEPS);
        assertThat(commissionStatus(server)).isEqualTo(3);
        assertThat(nodeB.outputText()).containsPattern("resumed by node-b#[0-9a-f]{4}/0 after its previous worker lost the lease");
        assertThat(completedItems(nodeB)).containsExactly(itemId);
    }

    @Test
    void stoppedNodeHandsOverItem() throws IOException {
        Path inventory = writeInventory(250);
        Map<String, String> settings = Map.of("KILN_WORKERS", "1", "KILN_LEASE_SECONDS", "2");
        KilnProcess nodeA = startNode("node-a", inventory, settings);
        Fixtures viaA = new Fixtures(nodeA.api());
        long server = viaA.server(viaA.user(1), 1);
        viaA.build(server, "{\"operatingSystemId\":1}");
        long itemId = jdbi.withHandle(h -> h.createQuery("SELECT MAX(id) FROM queue_item WHERE server_id = :id")
                .bind("id", server).mapTo(Long.class).one());
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                .until(() -> item(itemId).progress() >= 1);

        nodeA.close();

        QueueItem handedOver = item(itemId);
        assertThat(nodeA.outputText()).contains("Kiln stopped");
        assertThat(handedOver.status()).isEqualTo(QueueItem.RUNNING);
        assertThat(handedOver.failed()).isFalse();
        // The attempt that the stop ended does not count against the item.
        assertThat(handedOver.attempts()).isZero();
        assertThat(commissionStatus(server)).isEqualTo(2);

        startNode("node-b", inventory, settings);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> !item(itemId).active());

        QueueItem done = item(itemId);
        assertThat(done.status()).isEqualTo(QueueItem.DONE);
        assertThat(done.attempts()).isEqualTo(1);
        assertThat(commissionStatus(server)).isEqualTo(3);
    }

    /**
     * Starts a node with a data directory of its own. Every node after the first gets a copy of
     * the first node's secret key, because nodes that share a database must share the key.
     */
    private KilnProcess startNode(String name, Path inventory, Map<String, String> settings) throws IOException {
        Path dataDir = Files.createDirectories(root.resolve(name));
        if (firstDataDir == null) {
            firstDataDir = dataDir;
        } else {
            Files.copy(firstDataDir.resolve("secret.key"), dataDir.resolve("secret.key"));
        }
        KilnProcess node = KilnProcess.start(name, dataDir, inventory, database, settings);
        nodes.add(node);
        node.awaitReady(START_TIMEOUT);
        return node;
    }

    /** Writes an inventory of two simulated hypervisors whose every operation takes {@code delayMs}. */
    private Path writeInventory(int delayMs) throws IOException {
        List<String> hypervisors = new ArrayList<>();
        for (String name : List.of("node-hv-a", "node-hv-b")) {
            hypervisors.add("""
                      - name: %s
                        group: Nodes
                        driver: simulator
                        ip: 192.0.2.2
                        bridge: br0
                        resources: {memoryMb: 131072, cpuCores: 128, storageGb: 5000, maxServers: 0}
                        maxConcurrentBuilds: 4
                        simulator: {delayMs: %d}
                    """.formatted(name, delayMs).stripTrailing());
        }
        String inventory = """
                hypervisorGroups:
                  - name: Nodes
                    isDefault: true
                hypervisors:
                %s
                ipBlocks:
                  - name: nodes-ipv4
                    group: Nodes
                    type: ipv4
                    first: 192.0.2.10
                    last: 192.0.2.100
                    gateway: 192.0.2.1
                    netmask: 255.255.255.0
                templateGroups:
                  - name: Debian
                templates:
                  - key: debian-12
                    group: Debian
                    name: Debian
                    version: "12"
                    source: file:/nonexistent/debian-12.qcow2
                packages:
                  - name: Small
                    memoryMb: 1024
                    cpuCores: 1
                    primaryStorageGb: 20
                    templateGroups: [Debian]
                """.formatted(String.join("\n", hypervisors));
        return Files.writeString(root.resolve("inventory-" + delayMs + "ms.yaml"), inventory);
    }

    private List<QueueItem> items() {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM queue_item ORDER BY id").map((rs, ctx) -> QueueStore.map(rs)).list());
    }

    private QueueItem item(long id) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM queue_item WHERE id = :id").bind("id", id)
                .map((rs, ctx) -> QueueStore.map(rs)).one());
    }

    private List<String> stepTypes(long itemId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT step_type FROM queue_step WHERE queue_item_id = :id ORDER BY id")
                .bind("id", itemId).mapTo(String.class).list());
    }

    private int commissionStatus(long server) {
        return jdbi.withHandle(h -> h.createQuery("SELECT commission_status FROM server WHERE id = :id").bind("id", server)
                .mapTo(Integer.class).one());
    }

    /** Returns the queue items whose build the node logged as complete. */
    private static Set<Long> completedItems(KilnProcess node) {
        Set<Long> ids = new HashSet<>();
        for (String line : node.output()) {
            Matcher completed = COMPLETED.matcher(line);
            if (completed.find()) {
                ids.add(Long.parseLong(completed.group(1)));
            }
        }
        return ids;
    }
}
