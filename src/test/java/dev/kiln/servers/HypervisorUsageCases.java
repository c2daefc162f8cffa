package dev.kiln.servers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.testing.Api;
import dev.kiln.testing.DatabaseKind;
import dev.kiln.testing.Fixtures;
import dev.kiln.testing.TestKiln;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The {@code hypervisor_usage} rows after creates, memory and core changes, package changes,
 * rejected changes and deletions: after each test every row must equal a fresh
 * {@code GROUP BY hypervisor_id} over {@code server}. Also the server list's total, which is
 * summed from those rows.
 *
 * <p>The node has no queue workers; deletions run when a test steps the queue.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class HypervisorUsageCases {

    private static final String V1 = "/api/v1";
    /** Resources of the test inventory's packages: memory in MB, CPU cores, primary storage in GB. */
    private static final int SMALL_MEMORY = 1024;
    private static final int LARGE_MEMORY = 4096;
    private static final int LARGE_CORES = 4;
    private static final int LARGE_STORAGE = 80;

    private TestKiln kiln;
    private Api api;
    private Jdbi jdbi;
    private Fixtures fixtures;
    private long owner;

    abstract DatabaseKind database();

    @BeforeAll
    void startNode() {
        kiln = TestKiln.builder(database()).setting("workers", "0").start();
        api = kiln.api();
        jdbi = kiln.server().database().jdbi();
        fixtures = new Fixtures(api);
        owner = fixtures.user(61);
    }

    @AfterAll
    void stopNode() {
        kiln.close();
    }

    @AfterEach
    void usageEqualsServerTable() {
        assertThat(usageRows()).isEqualTo(groupByOverServers());
    }

    @Test
    void migrationGivesEveryHypervisorARow() {
        long hypervisors = jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM hypervisor").mapTo(Long.class).one());

        assertThat(usageRows()).hasSize((int) hypervisors);
    }

    @Test
    void createAddsServerToItsHypervisor() {
        Map<Long, List<Long>> before = usageRows();

        long server = fixtures.server(owner, 2);
        long hypervisor = hypervisorOf(server);

        assertThat(usageRows().get(hypervisor)).containsExactly(before.get(hypervisor).get(0) + 1,
                before.get(hypervisor).get(1) + LARGE_MEMORY, before.get(hypervisor).get(2) + LARGE_CORES,
                before.get(hypervisor).get(3) + LARGE_STORAGE);
    }

    @Test
    void createWithOverridesAddsOverrides() {
        Map<Long, List<Long>> before = usageRows();

        Api.Response created = api.post(V1 + "/servers", "{\"packageId\":1,\"userId\":" + owner
                + ",\"hypervisorId\":1,\"memory\":1536,\"cpuCores\":3,\"storage\":33}");

        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        long hypervisor = hypervisorOf(created.data().path("id").asLong());
        assertThat(usageRows().get(hypervisor)).containsExactly(before.get(hypervisor).get(0) + 1,
                before.get(hypervisor).get(1) + 1536, before.get(hypervisor).get(2) + 3, before.get(hypervisor).get(3) + 33);
    }

    @Test
    void memoryChangesUpAndDown() {
        long server = fixtures.server(owner, 1);

        assertThat(put(server, "/modify/memory", "{\"memory\":2048}").status()).isEqualTo(201);
        assertThat(usageRows()).isEqualTo(groupByOverServers());
        assertThat(put(server, "/modify/memory", "{\"memory\":512}").status()).isEqualTo(201);

        assertThat(memoryOf(server)).isEqualTo(512);
    }

    @Test
    void coreChangesUpAndDown() {
        long server = fixtures.server(owner, 1);

        assertThat(put(server, "/modify/cpuCores", "{\"cores\":3}").status()).isEqualTo(201);
        assertThat(usageRows()).isEqualTo(groupByOverServers());
        assertThat(put(server, "/modify/cpuCores", "{\"cpuCores\":2}").status()).isEqualTo(201);
    }

    @Test
    void packageChangeGrowsStorageOnly() {
        long server = fixtures.server(owner, 1);

        assertThat(put(server, "/package/2", "{}").status()).isEqualTo(200);
        assertThat(usageRows()).isEqualTo(groupByOverServers());
        assertThat(storageOf(server)).isEqualTo(LARGE_STORAGE);

        // Back to the small package: memory and cores shrink, storage stays at its larger size.
        assertThat(put(server, "/package/1", "{}").status()).isEqualTo(200);
        assertThat(storageOf(server)).isEqualTo(LARGE_STORAGE);
        assertThat(memoryOf(server)).isEqualTo(SMALL_MEMORY);
    }

    @Test
    void rejectedChangeLeavesUsage() {
        long server = fixtures.server(owner, 1);
        Map<Long, List<Long>> before = usageRows();

        Api.Response response = put(server, "/modify/memory", "{\"memory\":4000000}");

        assertThat(response.status()).as(response.toString()).isEqualTo(422);
        assertThat(usageRows()).isEqualTo(before);
    }

    @Test
    void deletionSubtractsServer() {
        long server = fixtures.server(owner, 2);
        long hypervisor = hypervisorOf(server);
        Map<Long, List<Long>> before = usageRows();

        assertThat(api.delete(V1 + "/servers/" + server + "?delay=0").status()).isEqualTo(204);
        assertThat(usageRows()).as("counted until the deletion runs").isEqualTo(before);
        runQueue();

        assertThat(api.get(V1 + "/servers/" + server).status()).isEqualTo(404);
        assertThat(usageRows().get(hypervisor)).containsExactly(before.get(hypervisor).get(0) - 1,
                before.get(hypervisor).get(1) - LARGE_MEMORY, before.get(hypervisor).get(2) - LARGE_CORES,
                before.get(hypervisor).get(3) - LARGE_STORAGE);
    }

    /**
     * Sends memory changes for the same two servers at once. Each change must add the difference
     * to the server as it is when the change commits, not as it was when the request began. Runs
     * last, so that a drift it causes fails only this test.
     */
    @Test
    @Order(Integer.MAX_VALUE)
    void concurrentMemoryChangesStayExact() throws Exception {
        List<Long> servers = List.of(fixtures.server(owner, 1), fixtures.server(owner, 1));
        CountDownLatch start = new CountDownLatch(1);
        List<Api.Response> responses = new ArrayList<>();

        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Api.Response>> futures = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                long server = servers.get(i % 2);
                int memory = 512 + 64 * i;
                futures.add(executor.submit(() -> {
                    start.await();
                    return put(server, "/modify/memory", "{\"memory\":" + memory + "}");
                }));
            }
            start.countDown();
            for (Future<Api.Response> future : futures) {
                responses.add(future.get(60, TimeUnit.SECONDS));
            }
        }

        assertThat(responses).allSatisfy(r -> assertThat(r.status()).as(r.toString()).isEqualTo(201));
    }

    @Test
    void listTotalCountsServers() {
        fixtures.server(owner, 1);
        long servers = count("SELECT COUNT(*) FROM server");

        assertThat(api.get(V1 + "/servers?results=1").json().path("total").asLong()).isEqualTo(servers);
    }

    @Test
    void listTotalFiltersHypervisors() {
        fixtures.server(owner, 1);
        fixtures.server(owner, 2);
        long first = count("SELECT COUNT(*) FROM server WHERE hypervisor_id = 1");
        long both = count("SELECT COUNT(*) FROM server WHERE hypervisor_id IN (1, 2)");

        assertThat(total("?hypervisorId=1")).isEqualTo(first);
        assertThat(total("?hypervisorId[]=1&hypervisorId[]=2")).isEqualTo(both);
        assertThat(total("?hypervisorId[]=1&hypervisorId[]=1")).as("a repeated id counts once").isEqualTo(first);
        assertThat(total("?hypervisorId=987654")).isZero();
    }

    /** Reads {@code hypervisor_usage}: hypervisor id to servers, memory, cores and storage. */
    private Map<Long, List<Long>> usageRows() {
        return rows("SELECT hypervisor_id, servers, memory_mb, cpu_cores, storage_gb FROM hypervisor_usage");
    }

    /** Counts and sums the same figures from the server table. */
    private Map<Long, List<Long>> groupByOverServers() {
        return rows("SELECT hv.id, COUNT(s.id), COALESCE(SUM(s.memory_mb), 0), COALESCE(SUM(s.cpu_cores), 0), "
                + "COALESCE(SUM(s.storage_gb), 0) FROM hypervisor hv LEFT JOIN server s ON s.hypervisor_id = hv.id GROUP BY hv.id");
    }

    private Map<Long, List<Long>> rows(String sql) {
        return jdbi.withHandle(h -> {
            Map<Long, List<Long>> out = new TreeMap<>();
            h.createQuery(sql)
                    .map((rs, ctx) -> Map.entry(rs.getLong(1), List.of(rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5))))
                    .forEach(row -> out.put(row.getKey(), row.getValue()));
            return out;
        });
    }

    private long count(String sql) {
        return jdbi.withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
    }

    private long total(String query) {
        Api.Response response = api.get(V1 + "/servers" + query);
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        return response.json().path("total").asLong();
    }

    private Api.Response put(long server, String path, String body) {
        return api.put(V1 + "/servers/" + server + path, body);
    }

    private long hypervisorOf(long server) {
        return count("SELECT hypervisor_id FROM server WHERE id = " + server);
    }

    private long memoryOf(long server) {
        return count("SELECT memory_mb FROM server WHERE id = " + server);
    }

    private long storageOf(long server) {
        return count("SELECT storage_gb FROM server WHERE id = " + server);
    }

    /** Runs queued items on this thread until none is due; bounded so a loop cannot hang the test. */
    private void runQueue() {
        for (int i = 0; i < 50; i++) {
            if (!kiln.server().workers().runOnce("test")) {
                return;
            }
        }
        throw new AssertionError("queue still had items after 50 runs");
    }
}
