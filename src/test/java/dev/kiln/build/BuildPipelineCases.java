package dev.kiln.build;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.kiln.hypervisors.DomainStatus;
import dev.kiln.hypervisors.simulator.SimulatorDriver;
import dev.kiln.security.Passwords;
import dev.kiln.security.SecretBox;
import dev.kiln.testing.Api;
import dev.kiln.testing.DatabaseKind;
import dev.kiln.testing.Fixtures;
import dev.kiln.testing.TestKiln;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The build pipeline end to end on simulated hypervisors, with the queue stepped by hand: the
 * recorded steps, the server's state, the seed the guest would receive and what a failed step
 * leaves behind.
 */
abstract class BuildPipelineCases {

    private static final List<String> STEPS = List.of("server.get.status", "server.os.template.exists", "server.create.ci",
            "server.disk.create.os", "server.vnc.disable", "server.os.install.check", "server.boot",
            "server.config.statistics");
    private static final YAMLMapper YAML = new YAMLMapper();

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

    @Test
    void buildCompletesServer() {
        long server = newServer();
        fixtures.build(server, "{\"operatingSystemId\":1,\"hostname\":\"web1.example.com\"}");

        runQueue();

        JsonNode view = server(server);
        assertThat(view.path("commissionStatus").asInt()).isEqualTo(3);
        assertThat(view.path("state").asText()).isEqualTo("complete");
        assertThat(view.path("built").isTextual()).isTrue();
        assertThat(view.path("buildFailed").asBoolean()).isFalse();
        assertThat(view.path("tasks").path("active").asBoolean()).isFalse();
        assertThat(view.path("hostname").asText()).isEqualTo("web1.example.com");
    }

    @Test
    void queuedBuildHoldsServer() {
        long server = newServer();
        fixtures.build(server, "{\"operatingSystemId\":1}");

        JsonNode view = server(server);

        assertThat(view.path("commissionStatus").asInt()).isEqualTo(1);
        assertThat(view.path("state").asText()).isEqualTo("queued");
        assertThat(view.path("tasks").path("active").asBoolean()).isTrue();
        assertThat(view.path("built").isNull()).isTrue();
    }

    @Test
    void queueItemShowsEightSteps() {
        long server = newServer();
        fixtures.build(server, "{\"operatingSystemId\":1}");
        long item = latestItem(server);

        runQueue();

        JsonNode queue = queueItem(item);
        assertThat(queue.path("action").asText()).isEqualTo("build_server");
        assertThat(queue.path("serverId").asLong()).isEqualTo(server);
        assertThat(queue.path("progress").asInt()).isEqualTo(100);
        assertThat(queue.path("failed").asBoolean()).isFalse();
        assertThat(queue.path("finished").isTextual()).isTrue();
        assertThat(queue.path("errors").path("exception").path("message").isNull()).isTrue();
        assertThat(stepTypes(queue)).isEqualTo(STEPS);
        assertThat(queue.path("primaryActions").findValues("success")).allMatch(JsonNode::asBoolean);
    }

    @Test
    void vncStepNamedByRequest() {
        long server = newServer();
        fixtures.build(server, "{\"operatingSystemId\":1,\"vnc\":true}");
        long item = latestItem(server);

        runQueue();

        assertThat(stepTypes(queueItem(item))).contains("server.vnc.enable").doesNotContain("server.vnc.disable");
        assertThat(server(server).path("vnc").path("enabled").asBoolean()).isTrue();
    }

    @Test
    void stepsCarryNoSecrets() {
        long user = fixtures.user(1);
        long key = fixtures.sshKey(user, Fixtures.ED25519_A);
        long server = fixtures.server(user, 1);
        JsonNode accepted = fixtures.build(server, "{\"operatingSystemId\":1,\"vnc\":true,\"sshKeys\":[" + key + "]}");
        String password = accepted.path("settings").path("decryptedPassword").asText();
        long item = latestItem(server);

        runQueue();

        String queueBody = api.get("/api/v1/queue/" + item).body();
        String vncPassword = vncPassword(server);
        String encrypted = server(server).path("settings").path("encryptedPassword").asText();
        assertThat(password).hasSize(20);
        assertThat(vncPassword).isNotBlank();
        assertThat(queueBody).doesNotContain(password);
        assertThat(queueBody).doesNotContain(vncPassword);
        assertThat(queueBody).doesNotContain(encrypted);
        assertThat(queueBody).doesNotContain("$6$");
        assertThat(storedQueueText(item)).doesNotContain(password, vncPassword, encrypted, "$6$");
    }

    @Test
    void seedUserDataMatchesRequest() {
        long user = fixtures.user(1);
        long keyA = fixtures.sshKey(user, Fixtures.ED25519_A);
        fixtures.sshKey(user, Fixtures.ED25519_B);
        long keyC = fixtures.sshKey(user, Fixtures.ED25519_C);
        long server = fixtures.server(user, 1);
        JsonNode accepted = fixtures.build(server, "{\"operatingSystemId\":1,\"hostname\":\"web1.example.com\","
                + "\"sshKeys\":[" + keyA + "," + keyC + "],\"swap\":512}");
        String password = accepted.path("settings").path("decryptedPassword").asText();

        runQueue();

        JsonNode userData = seedFile(server, "user-data");
        JsonNode root = userData.path("users").get(0);
        assertThat(userData.path("users")).hasSize(1);
        assertThat(root.path("name").asText()).isEqualTo("root");
        assertThat(Passwords.matchesSha512Crypt(password, root.path("hashed_passwd").asText())).isTrue();
        assertThat(texts(root.path("ssh_authorized_keys"))).containsExactlyInAnyOrder(Fixtures.ED25519_A, Fixtures.ED25519_C);
        assertThat(userData.path("swap").path("size").asLong()).isEqualTo(512L * 1024 * 1024);
        assertThat(texts(userData.path("runcmd"))).containsExactly("echo first-boot");
        assertThat(userData.path("fqdn").asText()).isEqualTo("web1.example.com");
    }

    @Test
    void seedMetaDataNamesHost() {
        long server = newServer();
        fixtures.build(server, "{\"operatingSystemId\":1,\"hostname\":\"" + "h".repeat(60) + ".example.com\"}");

        runQueue();

        JsonNode metaData = seedFile(server, "meta-data");
        assertThat(metaData.path("instance-id").asText()).startsWith(server(server).path("uuid").asText());
        assertThat(metaData.path("local-hostname").asText()).isEqualTo("h".repeat(60));
    }

    @Test
    void seedNetworkMatchesServer() {
        long server = newServer();
        fixtures.build(server, "{\"operatingSystemId\":1}");

        runQueue();

        JsonNode nic = seedFile(server, "network-config").path("ethernets").path("eth0");
        JsonNode viewNic = server(server).path("network").path("interfaces").get(0);
        JsonNode ipv4 = viewNic.path("ipv4").get(0);
        assertThat(nic.path("match").path("macaddress").asText()).isEqualToIgnoringCase(viewNic.path("mac").asText());
        assertThat(texts(nic.path("addresses"))).containsExactly(ipv4.path("address").asText() + "/24");
        assertThat(nic.path("routes").findValuesAsText("to")).containsExactly("0.0.0.0/0");
        assertThat(nic.path("routes").findValuesAsText("via")).containsExactly("192.0.2.1");
        assertThat(texts(nic.path("nameservers").path("addresses"))).containsExactly("192.0.2.53", "192.0.2.54");
    }

    @Test
    void seedNetworkHasIpv6WhenRequested() {
        long server = newServer();
        fixtures.build(server, "{\"operatingSystemId\":1,\"ipv6\":true}");

        runQueue();

        JsonNode nic = seedFile(server, "network-config").path("ethernets").path("eth0");
        JsonNode ipv6 = server(server).path("network").path("interfaces").get(0).path("ipv6").get(0);
        String address = ipv6.path("addresses").get(0).asText() + "/" + ipv6.path("cidr").asInt();
        assertThat(address).startsWith("2001:db8:77:");
        assertThat(texts(nic.path("addresses"))).contains(address);
        assertThat(nic.path("routes").findValuesAsText("to")).containsExactly("0.0.0.0/0", "::/0");
        assertThat(nic.path("routes").findValuesAsText("via")).containsExactly("192.0.2.1", "2001:db8:77::1");
        assertThat(texts(nic.path("nameservers").path("addresses"))).contains("2001:db8:77::53");
    }

    @Test
    void rebuildReplacesSeed() {
        long user = fixtures.user(1);
        long keyA = fixtures.sshKey(user, Fixtures.ED25519_A);
        long keyB = fixtures.sshKey(user, Fixtures.ED25519_B);
        long server = fixtures.server(user, 1);
        String firstPassword = fixtures.build(server, "{\"operatingSystemId\":1,\"swap\":1,\"sshKeys\":[" + keyA + "," + keyB
                + "]}").path("settings").path("decryptedPassword").asText();
        runQueue();
        String firstInstance = seedFile(server, "meta-data").path("instance-id").asText();

        String secondPassword = fixtures.build(server, "{\"operatingSystemId\":2,\"sshKeys\":[" + keyB + "]}")
                .path("settings").path("decryptedPassword").asText();
        runQueue();

        JsonNode userData = seedFile(server, "user-data");
        String hash = userData.path("users").get(0).path("hashed_passwd").asText();
        assertThat(seedFile(server, "meta-data").path("instance-id").asText()).isNotEqualTo(firstInstance);
        assertThat(Passwords.matchesSha512Crypt(secondPassword, hash)).isTrue();
        assertThat(Passwords.matchesSha512Crypt(firstPassword, hash)).isFalse();
        assertThat(texts(userData.path("users").get(0).path("ssh_authorized_keys"))).containsExactly(Fixtures.ED25519_B);
        assertThat(userData.has("swap")).isFalse();
        assertThat(userData.has("runcmd")).isFalse();
    }

    @Test
    void rebuildPowersOffRunningDomain() {
        long server = newServer();
        fixtures.build(server, "{\"operatingSystemId\":1}");
        runQueue();
        fixtures.build(server, "{\"operatingSystemId\":1}");
        long item = latestItem(server);

        runQueue();

        JsonNode diskStep = queueItem(item).path("primaryActions").get(STEPS.indexOf("server.disk.create.os"));
        assertThat(diskStep.path("data").path("output").asText()).contains("powered off").contains("replaced");
        assertThat(simulator(server).status(uuid(server))).isEqualTo(DomainStatus.RUNNING);
        assertThat(server(server).path("commissionStatus").asInt()).isEqualTo(3);
    }

    @ParameterizedTest
    @CsvSource({
        "status, server.get.status",
        "ensureTemplate, server.os.template.exists",
        "writeSeed, server.create.ci",
        "createDisk, server.disk.create.os",
        "defineDomain, server.os.install.check",
        "start, server.boot",
        "remoteState, server.config.statistics"})
    void failedStepFailsBuild(String operation, String failedStep) {
        long server = newServer();
        long hypervisor = server(server).path("hypervisorId").asLong();
        addFault(hypervisor, operation);
        String password = fixtures.build(server, "{\"operatingSystemId\":1}").path("settings").path("decryptedPassword").asText();
        long item = latestItem(server);

        runQueue();

        JsonNode queue = queueItem(item);
        String message = queue.path("errors").path("exception").path("message").asText();
        JsonNode actions = queue.path("primaryActions");
        JsonNode last = actions.get(actions.size() - 1);
        assertThat(queue.path("failed").asBoolean()).isTrue();
        assertThat(queue.path("progress").asInt()).isLessThan(100);
        assertThat(message).contains(operation).contains("injected fault");
        assertThat(message).doesNotContain(password).doesNotContain("$6$").doesNotContain("Exception");
        assertThat(queue.path("errors").path("exception").path("trace").isNull()).isTrue();
        assertThat(stepTypes(queue)).isEqualTo(STEPS.subList(0, STEPS.indexOf(failedStep) + 1));
        assertThat(last.path("data").path("success").asBoolean()).isFalse();
        assertThat(last.path("data").path("output").asText()).isEqualTo(message);
    }

    @Test
    void failedBuildReleasesServer() {
        long server = newServer();
        addFault(server(server).path("hypervisorId").asLong(), "createDisk");
        fixtures.build(server, "{\"operatingSystemId\":1}");

        runQueue();

        JsonNode view = server(server);
        assertThat(view.path("buildFailed").asBoolean()).isTrue();
        assertThat(view.path("commissionStatus").asInt()).isEqualTo(0);
        assertThat(view.path("state").asText()).isEqualTo("failed");
        assertThat(view.path("tasks").path("active").asBoolean()).isFalse();
        assertThat(view.path("built").isNull()).isTrue();
    }

    @ParameterizedTest
    @CsvSource({"createDisk", "start"})
    void failedBuildCleansHypervisor(String operation) {
        long server = newServer();
        addFault(server(server).path("hypervisorId").asLong(), operation);
        fixtures.build(server, "{\"operatingSystemId\":1}");

        runQueue();

        SimulatorDriver simulator = simulator(server);
        String uuid = uuid(server);
        assertThat(simulator.domainNames()).doesNotContain(uuid);
        assertThat(simulator.volumes()).noneMatch(volume -> volume.startsWith(uuid));
        assertThat(simulator.seed(uuid)).isNull();
    }

    @Test
    void rebuildAfterFailureCompletes() {
        long server = newServer();
        addFault(server(server).path("hypervisorId").asLong(), "createDisk");
        fixtures.build(server, "{\"operatingSystemId\":1}");
        runQueue();

        fixtures.build(server, "{\"operatingSystemId\":1}");
        long item = latestItem(server);
        runQueue();

        JsonNode view = server(server);
        assertThat(queueItem(item).path("failed").asBoolean()).isFalse();
        assertThat(view.path("commissionStatus").asInt()).isEqualTo(3);
        assertThat(view.path("buildFailed").asBoolean()).isFalse();
        assertThat(view.path("state").asText()).isEqualTo("complete");
        assertThat(simulator(server).status(uuid(server))).isEqualTo(DomainStatus.RUNNING);
    }

    @Test
    void failedCleanUpStillReleasesServer() {
        long server = newServer();
        long hypervisor = server(server).path("hypervisorId").asLong();
        addFault(hypervisor, "start");
        addFault(hypervisor, "delete");
        fixtures.build(server, "{\"operatingSystemId\":1}");
        long item = latestItem(server);

        runQueue();

        JsonNode view = server(server);
        assertThat(queueItem(item).path("failed").asBoolean()).isTrue();
        assertThat(view.path("buildFailed").asBoolean()).isTrue();
        assertThat(view.path("tasks").path("active").asBoolean()).isFalse();

        fixtures.build(server, "{\"operatingSystemId\":1}");
        runQueue();
        assertThat(server(server).path("commissionStatus").asInt()).isEqualTo(3);
    }

    private long newServer() {
        return fixtures.server(fixtures.user(1), 1);
    }

    /** Runs queued items on this thread until none is left; bounded so a loop cannot hang the test. */
    private void runQueue() {
        for (int i = 0; i < 20; i++) {
            if (!kiln.server().workers().runOnce("test/0")) {
                return;
            }
        }
        throw new AssertionError("queue still had items after 20 runs");
    }

    private void addFault(long hypervisor, String operation) {
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

    private JsonNode queueItem(long id) {
        Api.Response response = api.get("/api/v1/queue/" + id);
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        return response.data();
    }

    private long latestItem(long server) {
        return kiln.server().database().jdbi().withHandle(h -> h.createQuery("SELECT MAX(id) FROM queue_item WHERE server_id = :id")
                .bind("id", server).mapTo(Long.class).one());
    }

    /** The payload, error and step outputs of a queue item as stored, joined into one text. */
    private String storedQueueText(long item) {
        return kiln.server().database().jdbi().withHandle(h -> {
            List<String> parts = new ArrayList<>(h.createQuery("SELECT output FROM queue_step WHERE queue_item_id = :id")
                    .bind("id", item).mapTo(String.class).list());
            parts.add(h.createQuery("SELECT payload FROM queue_item WHERE id = :id").bind("id", item).mapTo(String.class).one());
            return String.join("\n", parts);
        });
    }

    private String vncPassword(long server) {
        String sealed = kiln.server().database().jdbi().withHandle(h -> h.createQuery(
                "SELECT encrypted_vnc_password FROM server WHERE id = :id").bind("id", server).mapTo(String.class).one());
        return SecretBox.fromKeyFile(kiln.dataDir().resolve("secret.key")).decrypt(sealed);
    }

    private SimulatorDriver simulator(long server) {
        return kiln.simulator(server(server).path("hypervisorId").asLong());
    }

    private JsonNode seedFile(long server, String name) {
        Map<String, byte[]> seed = simulator(server).seed(uuid(server));
        assertThat(seed).as("seed of server " + server).isNotNull().containsKey(name);
        try {
            return YAML.readTree(seed.get(name));
        } catch (IOException e) {
            throw new AssertionError(name + " of server " + server + " is not valid YAML", e);
        }
    }

    private static List<String> stepTypes(JsonNode queue) {
        return queue.path("primaryActions").findValuesAsText("type");
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(node -> out.add(node.asText()));
        return out;
    }
}
