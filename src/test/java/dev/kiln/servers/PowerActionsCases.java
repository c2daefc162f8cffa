package dev.kiln.servers;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.hypervisors.DomainStatus;
import dev.kiln.hypervisors.simulator.SimulatorDriver;
import dev.kiln.testing.Api;
import dev.kiln.testing.DatabaseKind;
import dev.kiln.testing.Fixtures;
import dev.kiln.testing.TestKiln;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code POST /servers/{id}/power/{action}} on simulated hypervisors with the queue stepped by
 * hand: the response, the queue item, the domain's state afterwards and the rejected requests.
 */
abstract class PowerActionsCases {

    private TestKiln kiln;
    private Api api;
    private Fixtures fixtures;

    abstract DatabaseKind kind();

    @BeforeEach
    void startNode() {
        kiln = TestKiln.builder(kind()).setting("workers", "0").start();
        api = kiln.api();
        fixtures = new Fixtures(api);
    }

    @AfterEach
    void stopNode() {
        kiln.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"boot", "shutdown", "restart", "poweroff"})
    void actionAnswersQueueId(String action) {
        long server = builtServer();

        Api.Response response = api.post("/api/v1/servers/" + server + "/power/" + action, "");

        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        assertThat(response.data().path("queueId").asLong()).isPositive();
        assertThat(response.data().properties()).hasSize(1);
        assertThat(server(server).path("tasks").path("active").asBoolean()).isTrue();
    }

    @ParameterizedTest
    @CsvSource({
        "shutdown, SHUTOFF, server.power.shutdown",
        "poweroff, SHUTOFF, server.power.poweroff",
        "restart, RUNNING, server.power.restart"})
    void domainFollowsAction(String action, DomainStatus expected, String step) {
        long server = builtServer();

        long item = power(server, action);
        runQueue();

        JsonNode queue = api.get("/api/v1/queue/" + item).data();
        assertThat(simulator(server).status(uuid(server))).isEqualTo(expected);
        assertThat(queue.path("failed").asBoolean()).isFalse();
        assertThat(queue.path("progress").asInt()).isEqualTo(100);
        assertThat(queue.path("primaryActions").findValuesAsText("type")).containsExactly(step);
        assertThat(server(server).path("tasks").path("active").asBoolean()).isFalse();
    }

    @Test
    void bootAfterShutdownRuns() {
        long server = builtServer();
        power(server, "shutdown");
        runQueue();
        assertThat(simulator(server).status(uuid(server))).isEqualTo(DomainStatus.SHUTOFF);

        long item = power(server, "boot");
        runQueue();

        assertThat(simulator(server).status(uuid(server))).isEqualTo(DomainStatus.RUNNING);
        assertThat(api.get("/api/v1/queue/" + item).data().path("action").asText()).isEqualTo("boot_server");
    }

    @Test
    void sequenceOfActionsFollowed() {
        long server = builtServer();
        List<String> actions = List.of("poweroff", "boot", "shutdown", "boot", "restart");
        List<DomainStatus> expected = List.of(DomainStatus.SHUTOFF, DomainStatus.RUNNING, DomainStatus.SHUTOFF,
                DomainStatus.RUNNING, DomainStatus.RUNNING);

        for (int i = 0; i < actions.size(); i++) {
            power(server, actions.get(i));
            runQueue();
            assertThat(simulator(server).status(uuid(server))).as("after " + actions.get(i)).isEqualTo(expected.get(i));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"boot", "shutdown", "restart", "poweroff"})
    void lockedWhileBuildQueued(String action) {
        long server = builtServer();
        fixtures.build(server, "{\"operatingSystemId\":1}");

        Api.Response response = api.post("/api/v1/servers/" + server + "/power/" + action, "");

        assertThat(response.status()).as(response.toString()).isEqualTo(423);
        assertThat(response.json().path("msg").asText()).contains("locked");
    }

    @Test
    void lockedWhileFirstBuildQueued() {
        long server = fixtures.server(fixtures.user(1), 1);
        fixtures.build(server, "{\"operatingSystemId\":1}");

        Api.Response response = api.post("/api/v1/servers/" + server + "/power/boot", "");

        assertThat(response.status()).as(response.toString()).isEqualTo(423);
    }

    @Test
    void lockedWhileActionQueued() {
        long server = builtServer();
        power(server, "shutdown");

        Api.Response response = api.post("/api/v1/servers/" + server + "/power/boot", "");

        assertThat(response.status()).as(response.toString()).isEqualTo(423);
    }

    @Test
    void buildLockedWhileActionQueued() {
        long server = builtServer();
        power(server, "shutdown");

        Api.Response response = api.post("/api/v1/servers/" + server + "/build", "{\"operatingSystemId\":1}");

        assertThat(response.status()).as(response.toString()).isEqualTo(423);
    }

    @Test
    void lockReleasedAfterAction() {
        long server = builtServer();
        power(server, "shutdown");
        runQueue();

        Api.Response response = api.post("/api/v1/servers/" + server + "/power/boot", "");

        assertThat(response.status()).as(response.toString()).isEqualTo(200);
    }

    @ParameterizedTest
    @ValueSource(strings = {"999999", "0", "-1", "abc"})
    void unknownServerNotFound(String id) {
        Api.Response response = api.post("/api/v1/servers/" + id + "/power/boot", "");

        assertThat(response.status()).as(response.toString()).isEqualTo(404);
    }

    @Test
    void unknownActionNotFound() {
        long server = builtServer();

        Api.Response response = api.post("/api/v1/servers/" + server + "/power/explode", "");

        assertThat(response.status()).as(response.toString()).isEqualTo(404);
        assertThat(server(server).path("tasks").path("active").asBoolean()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"boot", "shutdown", "restart", "poweroff"})
    void unbuiltServerRejected(String action) {
        long server = fixtures.server(fixtures.user(1), 1);

        Api.Response response = api.post("/api/v1/servers/" + server + "/power/" + action, "");

        assertThat(response.status()).as(response.toString()).isEqualTo(422);
        assertThat(response.json().path("message").asText()).contains("build it first");
        assertThat(server(server).path("tasks").path("active").asBoolean()).isFalse();
    }

    @Test
    void failedBuildServerRejected() {
        long server = fixtures.server(fixtures.user(1), 1);
        addFault(server, "createDisk");
        fixtures.build(server, "{\"operatingSystemId\":1}");
        runQueue();

        Api.Response response = api.post("/api/v1/servers/" + server + "/power/boot", "");

        assertThat(response.status()).as(response.toString()).isEqualTo(422);
    }

    @Test
    void failedActionReleasesServer() {
        long server = builtServer();
        addFault(server, "shutdown");

        long item = power(server, "shutdown");
        runQueue();

        JsonNode queue = api.get("/api/v1/queue/" + item).data();
        JsonNode view = server(server);
        assertThat(queue.path("failed").asBoolean()).isTrue();
        assertThat(queue.path("errors").path("exception").path("message").asText()).contains("shutdown", "injected fault");
        assertThat(view.path("tasks").path("active").asBoolean()).isFalse();
        assertThat(view.path("commissionStatus").asInt()).isEqualTo(3);
        assertThat(view.path("buildFailed").asBoolean()).isFalse();
        assertThat(simulator(server).status(uuid(server))).isEqualTo(DomainStatus.RUNNING);
        assertThat(api.post("/api/v1/servers/" + server + "/power/shutdown", "").status()).isEqualTo(200);
    }

    /** Creates a server, builds it and runs the build; its domain is running afterwards. */
    private long builtServer() {
        long server = fixtures.server(fixtures.user(1), 1);
        fixtures.build(server, "{\"operatingSystemId\":1}");
        runQueue();
        assertThat(server(server).path("commissionStatus").asInt()).isEqualTo(3);
        return server;
    }

    private long power(long server, String action) {
        Api.Response response = api.post("/api/v1/servers/" + server + "/power/" + action, "");
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        return response.data().path("queueId").asLong();
    }

    /** Runs queued items on this thread until none is left; bounded so a loop cannot hang the test. */
    private void runQueue() {
        for (int i = 0; i < 10; i++) {
            if (!kiln.server().workers().runOnce("test/0")) {
                return;
            }
        }
        throw new AssertionError("queue still had items after 10 runs");
    }

    private void addFault(long server, String operation) {
        long hypervisor = server(server).path("hypervisorId").asLong();
        Api.Response response = api.post("/api/kiln/v1/simulator/hypervisors/" + hypervisor + "/faults",
                "{\"operation\":\"" + operation + "\",\"times\":1}");
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
    }

    private JsonNode server(long id) {
        return api.get("/api/v1/servers/" + id).data();
    }

    private String uuid(long server) {
        return server(server).path("uuid").asText();
    }

    private SimulatorDriver simulator(long server) {
        return kiln.simulator(server(server).path("hypervisorId").asLong());
    }
}
