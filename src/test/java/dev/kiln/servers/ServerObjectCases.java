package dev.kiln.servers;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.testing.Api;
import dev.kiln.testing.DatabaseKind;
import dev.kiln.testing.Fixtures;
import dev.kiln.testing.JsonShape;
import dev.kiln.testing.TestKiln;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The full server object: the keys and JSON types of VirtFusion's example build response,
 * values that follow the package and hypervisor, address uniqueness under concurrent creates,
 * and secrets kept out of logs and GET responses. The node runs without queue workers, so tests
 * step the queue by hand.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class ServerObjectCases {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String SERVERS = "/api/v1/servers/";

    /** Absent because Kiln runs no guest agent, so there is no console screenshot to report. */
    private static final String SCREEN = "/qemuAgent/os/screen";
    /** Absent from GET by design: the root password is shown only in the build (and reset) response. */
    private static final String DECRYPTED_PASSWORD = "/settings/decryptedPassword";
    /** Null until the first build sets a hostname (POST /servers takes none). */
    private static final String HOSTNAME = "/hostname";
    /** Null until the first build completes. */
    private static final String BUILT = "/built";
    /** Null until the server has a queue item. */
    private static final String TASKS_LAST_ON = "/tasks/lastOn";

    private JsonNode example;
    private TestKiln kiln;
    private Api api;

    private long owner;
    private long ownerKey;
    /** Package 1 (Small), never built, placed on hv-b because of the filler server. */
    private long smallServer;
    private JsonNode smallCreateResponse;
    /** Package 2 (Large), built twice with an SSH key, placed on hv-a. */
    private long largeServer;
    private JsonNode largeFirstBuildResponse;
    private JsonNode largeRebuildResponse;

    abstract DatabaseKind database();

    @BeforeAll
    void startNode() throws IOException {
        try (InputStream in = ServerObjectCases.class.getResourceAsStream("/fixtures/build-response-example.json")) {
            example = MAPPER.readTree(in).path("data");
        }
        kiln = TestKiln.builder(database()).setting("workers", "0").start();
        api = kiln.api();
        Fixtures fixtures = new Fixtures(api);
        owner = fixtures.user(1);
        ownerKey = fixtures.sshKey(owner, Fixtures.ED25519_A);

        // Placement picks the hypervisor with the most free memory: hv-a (16 GiB) before hv-b
        // (8 GiB). The filler takes 9000 MiB of hv-a, so the small server goes to hv-b and the
        // large one to hv-a after it.
        Api.Response filler = api.post("/api/v1/servers", "{\"packageId\":2,\"userId\":" + owner + ",\"hypervisorId\":1,\"memory\":9000}");
        assertThat(filler.status()).as(filler.toString()).isEqualTo(201);
        Api.Response small = api.post("/api/v1/servers", "{\"packageId\":1,\"userId\":" + owner + ",\"hypervisorId\":1}");
        assertThat(small.status()).as(small.toString()).isEqualTo(201);
        smallServer = small.data().path("id").asLong();
        smallCreateResponse = small.data();
        largeServer = fixtures.server(owner, 2);

        largeFirstBuildResponse = fixtures.build(largeServer, "{\"operatingSystemId\":4,\"name\":\"large\",\"hostname\":\"large.example.com\","
                + "\"sshKeys\":[" + ownerKey + "],\"swap\":1}");
        runQueue();
        largeRebuildResponse = fixtures.build(largeServer, "{\"operatingSystemId\":4,\"sshKeys\":[" + ownerKey + "]}");
        runQueue();
    }

    @AfterAll
    void stopNode() {
        if (kiln != null) {
            kiln.close();
        }
    }

    @Test
    void builtServerMatchesExample() {
        JsonNode actual = get(largeServer);

        assertThat(JsonShape.differences(example, actual, Set.of(SCREEN, DECRYPTED_PASSWORD))).isEmpty();
    }

    @Test
    void rebuildResponseMatchesExample() {
        assertThat(JsonShape.differences(example, largeRebuildResponse, Set.of(SCREEN))).isEmpty();
    }

    @Test
    void firstBuildResponseMatchesExample() {
        assertThat(JsonShape.differences(example, largeFirstBuildResponse, Set.of(SCREEN, BUILT))).isEmpty();
    }

    @Test
    void neverBuiltServerMatchesExample() {
        JsonNode actual = get(smallServer);

        assertThat(JsonShape.differences(example, actual, Set.of(SCREEN, DECRYPTED_PASSWORD, HOSTNAME, BUILT, TASKS_LAST_ON))).isEmpty();
    }

    @Test
    void createResponseMatchesExample() {
        assertThat(JsonShape.differences(example, smallCreateResponse, Set.of(SCREEN, DECRYPTED_PASSWORD, HOSTNAME, BUILT, TASKS_LAST_ON)))
                .isEmpty();
    }

    @Test
    void onlyBuildResponseHasPassword() {
        assertThat(largeRebuildResponse.path("settings").path("decryptedPassword").isTextual()).isTrue();
        assertThat(get(largeServer).path("settings").has("decryptedPassword")).isFalse();
        assertThat(smallCreateResponse.path("settings").has("decryptedPassword")).isFalse();
    }

    @Test
    void serversDifferByPackageAndHypervisor() {
        JsonNode small = get(smallServer);
        JsonNode large = get(largeServer);

        assertThat(small.path("settings").path("resources").path("memory").asInt()).isEqualTo(1024);
        assertThat(large.path("settings").path("resources").path("memory").asInt()).isEqualTo(4096);
        assertThat(small.path("cpu").path("cores").asInt()).isEqualTo(1);
        assertThat(large.path("cpu").path("cores").asInt()).isEqualTo(4);
        assertThat(small.path("settings").path("resources").path("cpuCores").asInt()).isEqualTo(1);
        assertThat(large.path("settings").path("resources").path("cpuCores").asInt()).isEqualTo(4);
        assertThat(small.path("storage").path(0).path("capacity").asInt()).isEqualTo(20);
        assertThat(large.path("storage").path(0).path("capacity").asInt()).isEqualTo(80);
        assertThat(small.path("settings").path("resources").path("storage").asInt()).isEqualTo(20);
        assertThat(large.path("settings").path("resources").path("storage").asInt()).isEqualTo(80);
        assertThat(small.path("traffic").path("public").path("currentPeriod").path("limit").asInt()).isEqualTo(1000);
        assertThat(large.path("traffic").path("public").path("currentPeriod").path("limit").asInt()).isEqualTo(5000);
        assertThat(small.path("network").path("interfaces").path(0).path("inAverage").asInt()).isEqualTo(12500);
        assertThat(large.path("network").path("interfaces").path(0).path("inAverage").asInt()).isEqualTo(125000);

        assertThat(small.path("hypervisorId").asLong()).isNotEqualTo(large.path("hypervisorId").asLong());
        assertThat(small.path("hypervisor").path("id").asLong()).isEqualTo(small.path("hypervisorId").asLong());
        assertThat(large.path("hypervisor").path("id").asLong()).isEqualTo(large.path("hypervisorId").asLong());
        assertThat(small.path("hypervisor").path("name").asText()).isEqualTo("hv-b");
        assertThat(large.path("hypervisor").path("name").asText()).isEqualTo("hv-a");
        assertThat(small.path("vnc").path("ip").asText()).isEqualTo("192.0.2.3");
        assertThat(large.path("vnc").path("ip").asText()).isEqualTo("192.0.2.2");
        assertThat(small.path("network").path("interfaces").path(0).path("hypervisorConnectivity").path("bridge").asText()).isEqualTo("br1");
        assertThat(large.path("network").path("interfaces").path(0).path("hypervisorConnectivity").path("bridge").asText()).isEqualTo("br0");

        assertThat(ipv4(small)).hasSize(1);
        assertThat(ipv4(large)).hasSize(1);
        assertThat(ipv4(small)).doesNotContainAnyElementsOf(ipv4(large));
        assertThat(small.path("uuid").asText()).isNotEqualTo(large.path("uuid").asText());
        assertThat(small.path("network").path("interfaces").path(0).path("mac").asText())
                .isNotEqualTo(large.path("network").path("interfaces").path(0).path("mac").asText());
        assertThat(large.path("os").path("templateId").asLong()).isEqualTo(4);
        assertThat(small.path("os").path("templateId").isNull()).isTrue();
    }

    @Test
    void secretsStayOutOfLogs() throws IOException {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        ch.qos.logback.classic.Logger kilnLogger = context.getLogger("dev.kiln");
        Level kilnLevel = kilnLogger.getLevel();
        ListAppender<ILoggingEvent> captured = new ListAppender<>();
        captured.setContext(context);
        captured.start();
        root.addAppender(captured);
        // Kiln's own debug lines count too: nothing may log a secret at any level.
        kilnLogger.setLevel(Level.TRACE);

        String password;
        Api.Response server;
        Api.Response queueItem;
        try {
            Api.Response build = api.send("POST", SERVERS + largeServer + "/build", "{\"operatingSystemId\":4,\"email\":true}",
                    Map.of("Content-Type", "application/json", "Authorization", "bearer   " + TestKiln.TOKEN));
            assertThat(build.status()).as(build.toString()).isEqualTo(200);
            password = build.data().path("settings").path("decryptedPassword").asText();
            runQueue();
            server = api.get(SERVERS + largeServer + "?remoteState=true");
            queueItem = api.get("/api/v1/queue/" + latestQueueId(largeServer));
            api.send("GET", SERVERS + largeServer, null, Map.of("Authorization", "Bearer " + TestKiln.TOKEN + "-wrong"));
            api.post("/api/v1/users", "{\"name\":\"x\"}");
        } finally {
            root.detachAppender(captured);
            kilnLogger.setLevel(kilnLevel);
            captured.stop();
        }

        assertThat(password).hasSize(20);
        assertThat(captured.list).isNotEmpty();
        List<String> logged = new ArrayList<>();
        for (ILoggingEvent event : captured.list) {
            logged.add(event.getFormattedMessage());
            if (event.getArgumentArray() != null) {
                for (Object argument : event.getArgumentArray()) {
                    logged.add(String.valueOf(argument));
                }
            }
            for (IThrowableProxy t = event.getThrowableProxy(); t != null; t = t.getCause()) {
                logged.add(t.getMessage());
            }
        }
        assertThat(logged).noneMatch(line -> line != null && line.contains(password));
        assertThat(logged).noneMatch(line -> line != null && line.contains(TestKiln.TOKEN));

        assertThat(server.status()).isEqualTo(200);
        assertThat(server.body()).doesNotContain(password);
        assertThat(server.body()).doesNotContain(TestKiln.TOKEN);
        assertThat(queueItem.status()).isEqualTo(200);
        assertThat(queueItem.body()).doesNotContain(password);
        assertThat(queueItem.body()).doesNotContain(TestKiln.TOKEN);

        String userData = new String(kiln.simulator(server.data().path("hypervisorId").asLong())
                .seed(server.data().path("uuid").asText()).get("user-data"), StandardCharsets.UTF_8);
        assertThat(userData).doesNotContain(password);
        assertThat(userData).contains("$6$");
    }

    /**
     * Sends 20 creates at once on virtual threads. Kiln must place each on a hypervisor with
     * room, return 422 once the group is full, never hand one IPv4 address or VNC port to two
     * servers, and never let a hypervisor's allocation pass its limits. Runs last because it
     * fills the hypervisors.
     */
    @Test
    @Order(Integer.MAX_VALUE)
    void concurrentCreatesNeverOverfill() throws Exception {
        int requests = 20;
        long room = roomForSmallServers();
        assertThat(room).as("the test needs more requests than there is room").isLessThan(requests);

        List<Api.Response> responses = new ArrayList<>();
        CountDownLatch start = new CountDownLatch(1);
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Api.Response>> futures = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                futures.add(executor.submit(() -> {
                    start.await();
                    return api.post("/api/v1/servers", "{\"packageId\":1,\"userId\":" + owner + ",\"hypervisorId\":1}");
                }));
            }
            start.countDown();
            for (Future<Api.Response> future : futures) {
                responses.add(future.get(60, TimeUnit.SECONDS));
            }
        }

        List<Api.Response> created = responses.stream().filter(r -> r.status() == 201).toList();
        assertThat(responses).allSatisfy(r -> assertThat(r.status()).as(r.toString()).isIn(201, 422));
        assertThat(created).hasSize((int) room);

        List<String> addresses = new ArrayList<>();
        for (Api.Response r : created) {
            addresses.addAll(ipv4(r.data()));
        }
        assertThat(addresses).hasSize(created.size());
        assertThat(new HashSet<>(addresses)).hasSize(addresses.size());
        assertThat(duplicates("SELECT address FROM ipv4_address WHERE server_id IS NOT NULL GROUP BY address HAVING COUNT(*) > 1")).isEmpty();
        assertThat(duplicates("SELECT CONCAT(hypervisor_id, ':', vnc_port) FROM server GROUP BY hypervisor_id, vnc_port HAVING COUNT(*) > 1"))
                .isEmpty();
        assertThat(duplicates("SELECT CAST(server_id AS VARCHAR(20)) FROM ipv4_address WHERE server_id IS NOT NULL "
                + "GROUP BY server_id HAVING COUNT(*) <> 1")).isEmpty();

        for (long hypervisorId : List.of(1L, 2L)) {
            JsonNode resources = api.get("/api/v1/compute/hypervisors/" + hypervisorId).data().path("resources");
            for (String resource : List.of("memory", "cpuCores", "localStorage")) {
                JsonNode r = resources.path(resource);
                assertThat(r.path("allocated").asLong()).as("hypervisor " + hypervisorId + " " + resource)
                        .isLessThanOrEqualTo(r.path("max").asLong());
            }
            JsonNode servers = resources.path("servers");
            if (servers.path("max").asLong() > 0) {
                assertThat(servers.path("allocated").asLong()).isLessThanOrEqualTo(servers.path("max").asLong());
            }
        }
    }

    /** Counts how many more package-1 servers (1024 MiB, 1 core, 20 GB) fit on the two hypervisors, from their resources. */
    private long roomForSmallServers() {
        long room = 0;
        for (long hypervisorId : List.of(1L, 2L)) {
            JsonNode resources = api.get("/api/v1/compute/hypervisors/" + hypervisorId).data().path("resources");
            long fits = Math.min(resources.path("memory").path("free").asLong() / 1024,
                    Math.min(resources.path("cpuCores").path("free").asLong(), resources.path("localStorage").path("free").asLong() / 20));
            if (resources.path("servers").path("max").asLong() > 0) {
                fits = Math.min(fits, resources.path("servers").path("free").asLong());
            }
            room += Math.max(0, fits);
        }
        return room;
    }

    private List<String> duplicates(String sql) {
        return kiln.server().database().jdbi().withHandle(h -> h.createQuery(sql).mapTo(String.class).list());
    }

    private JsonNode get(long serverId) {
        Api.Response r = api.get(SERVERS + serverId);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.data();
    }

    private static List<String> ipv4(JsonNode server) {
        List<String> out = new ArrayList<>();
        server.path("network").path("interfaces").forEach(nic -> nic.path("ipv4").forEach(a -> out.add(a.path("address").asText())));
        return out;
    }

    private long latestQueueId(long serverId) {
        return kiln.server().database().jdbi().withHandle(h -> h.createQuery("SELECT MAX(id) FROM queue_item WHERE server_id = :id")
                .bind("id", serverId).mapTo(Long.class).one());
    }

    private void runQueue() {
        int ran = 0;
        while (ran < 50 && kiln.server().workers().runOnce("server-object-test")) {
            ran++;
        }
    }
}
