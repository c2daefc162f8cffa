package dev.kiln.servers;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.testing.Api;
import dev.kiln.testing.DatabaseKind;
import dev.kiln.testing.RowCounts;
import dev.kiln.testing.TestKiln;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A server's life as a billing module drives it, call by call. The module looks the client up
 * (404 means "create"), creates the user, an SSH key and the server, builds it and polls until
 * it is built. Then it boots, suspends, unsuspends, upgrades the package, terminates the server
 * and removes the user. The flow runs twice: once with JSON integers and empty bodies, and once
 * with integers as numeric strings, booleans as "1"/"0" and {@code []} bodies, which PHP modules
 * send. The queue has no workers, so between two polls the test runs one queue item, as a
 * worker would.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class BillingFlowCases {

    private static final String V1 = "/api/v1";
    private static final String IPV4_PATTERN = "\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}";
    private static final String PUBLIC_KEY =
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq9mLBBK0Dq5pDLfF2rjwz3XZZ9cHs7Sa8vS3nWgRb1 client@example";

    private final AtomicLong nextExtRelationId = new AtomicLong(5000);

    private TestKiln kiln;
    private Api api;

    abstract DatabaseKind database();

    @BeforeAll
    void startNode() {
        kiln = TestKiln.builder(database()).setting("workers", "0").start();
        api = kiln.api();
    }

    @AfterAll
    void stopNode() {
        if (kiln != null) {
            kiln.close();
        }
    }

    /** How a module writes integers, booleans and bodies without parameters. */
    enum Encoding {
        /** JSON integers and booleans, no body. */
        TYPED,
        /** Numeric strings, "1"/"0" and {@code []}, as PHP's json_encode produces them from form values. */
        LENIENT;

        String integer(long value) {
            return this == TYPED ? Long.toString(value) : "\"" + value + "\"";
        }

        String bool(boolean value) {
            if (this == TYPED) {
                return Boolean.toString(value);
            }
            return value ? "\"1\"" : "\"0\"";
        }

        String noParameters() {
            return this == TYPED ? "" : "[]";
        }
    }

    @ParameterizedTest
    @EnumSource(Encoding.class)
    void serverLifeFromSignUpToTermination(Encoding encoding) {
        long ext = nextExtRelationId.getAndIncrement();
        String userPath = V1 + "/users/" + ext + "/byExtRelation";

        // The module looks the client up and creates the user on 404.
        Api.Response lookUp = api.get(userPath);
        assertThat(lookUp.status()).as(lookUp.toString()).isEqualTo(404);
        assertThat(lookUp.json().path("msg").asText()).isEqualTo("ext_relation_id not found");

        Api.Response user = api.post(V1 + "/users", "{\"name\":\"Billing Client\",\"email\":\"client" + ext
                + "@example.com\",\"extRelationId\":" + encoding.integer(ext) + ",\"sendMail\":" + encoding.bool(false) + "}");
        assertThat(user.status()).as(user.toString()).isEqualTo(201);
        long userId = user.data().path("id").asLong();
        assertThat(user.data().path("password").asText()).isNotBlank();
        Api.Response found = api.get(userPath);
        assertThat(found.status()).as(found.toString()).isEqualTo(200);
        assertThat(found.data().path("id").asLong()).isEqualTo(userId);

        Api.Response key = api.post(V1 + "/ssh_keys", "{\"userId\":" + encoding.integer(userId)
                + ",\"name\":\"client key\",\"publicKey\":\"" + PUBLIC_KEY + "\"}");
        assertThat(key.status()).as(key.toString()).isEqualTo(201);
        long keyId = key.data().path("id").asLong();

        // The order: modules create the server and store its first IPv4 address at once.
        Api.Response created = api.post(V1 + "/servers", "{\"packageId\":" + encoding.integer(1) + ",\"userId\":"
                + encoding.integer(userId) + ",\"hypervisorId\":" + encoding.integer(1) + "}");
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        long serverId = created.data().path("id").asLong();
        String address = firstAddress(created.data());
        assertThat(address).matches(IPV4_PATTERN);
        assertThat(created.data().path("uuid").asText()).isNotBlank();
        assertThat(created.data().path("owner").path("id").asLong()).isEqualTo(userId);
        assertThat(created.data().path("commissionStatus").asInt()).isEqualTo(Server.CREATED);
        String serverPath = V1 + "/servers/" + serverId;

        Api.Response templates = api.get(serverPath + "/templates");
        assertThat(templates.status()).as(templates.toString()).isEqualTo(200);
        assertThat(templates.data()).isNotEmpty();

        Api.Response build = api.post(serverPath + "/build", "{\"operatingSystemId\":" + encoding.integer(1)
                + ",\"name\":\"client server\",\"hostname\":\"client" + ext + ".example.com\",\"sshKeys\":["
                + encoding.integer(keyId) + "],\"vnc\":" + encoding.bool(true) + ",\"ipv6\":" + encoding.bool(false)
                + ",\"email\":" + encoding.bool(false) + "}");
        assertThat(build.status()).as(build.toString()).isEqualTo(200);
        assertThat(build.data().path("settings").path("decryptedPassword").asText()).isNotBlank();
        assertThat(build.data().path("commissionStatus").asInt()).isEqualTo(Server.QUEUED);
        assertThat(firstAddress(build.data())).isEqualTo(address);

        JsonNode built = pollUntilBuilt(serverPath);
        assertThat(built.path("name").asText()).isEqualTo("client server");
        assertThat(built.path("hostname").asText()).isEqualTo("client" + ext + ".example.com");
        assertThat(built.path("sshKeys").valueStream().map(k -> k.path("id").asLong())).containsExactly(keyId);
        assertThat(built.path("vnc").path("enabled").asBoolean()).isTrue();
        assertThat(built.path("settings").has("decryptedPassword")).as("GET never shows the password").isFalse();
        assertThat(running(serverPath)).isTrue();

        // Power and suspension, each run by the queue before the next call.
        long boot = queueId(api.post(serverPath + "/power/boot", encoding.noParameters()));
        runQueue();
        assertThat(api.get(V1 + "/queue/" + boot).data().path("failed").asBoolean()).isFalse();
        assertThat(running(serverPath)).isTrue();

        assertNoContent(api.post(serverPath + "/suspend", encoding.noParameters()));
        runQueue();
        assertThat(server(serverPath).path("suspended").asBoolean()).isTrue();
        assertThat(running(serverPath)).isFalse();

        assertNoContent(api.post(serverPath + "/unsuspend", encoding.noParameters()));
        runQueue();
        assertThat(server(serverPath).path("suspended").asBoolean()).isFalse();
        assertThat(running(serverPath)).isTrue();

        // Upgrade.
        Api.Response upgrade = api.put(serverPath + "/package/" + 2, encoding.noParameters());
        assertThat(upgrade.status()).as(upgrade.toString()).isEqualTo(200);
        assertThat(upgrade.json().path("info").isArray()).isTrue();
        assertThat(server(serverPath).path("settings").path("resources").path("memory").asInt()).isEqualTo(4096);

        // Root password reset through the guest agent.
        Api.Response reset = api.post(serverPath + "/resetPassword",
                encoding == Encoding.TYPED ? "{\"user\":\"root\",\"sendMail\":false}" : "{\"user\":\"Root\",\"sendMail\":\"0\"}");
        assertThat(reset.status()).as(reset.toString()).isEqualTo(200);
        assertThat(reset.data().path("expectedPassword").asText()).hasSize(20);
        runQueue();
        assertThat(api.get(V1 + "/queue/" + reset.data().path("queueId").asLong()).data().path("failed").asBoolean()).isFalse();

        // Termination, then the user.
        Api.Response terminate = api.send("DELETE", serverPath + "?delay=0", encoding == Encoding.TYPED ? null : "[]",
                Map.of("Content-Type", "application/json"));
        assertNoContent(terminate);
        runQueue();
        Api.Response gone = api.get(serverPath);
        assertThat(gone.status()).as(gone.toString()).isEqualTo(404);
        assertThat(gone.json().path("msg").asText()).isEqualTo("server not found");
        assertThat(RowCounts.count(kiln, "ipv4_address WHERE address = '" + address + "' AND server_id IS NULL")).isEqualTo(1);
        assertThat(api.get(V1 + "/servers/user/" + userId).data()).isEmpty();

        assertNoContent(api.delete(userPath));
        assertThat(api.get(userPath).status()).isEqualTo(404);
    }

    /** Polls the server as modules do, running one queue item between two polls; bounded. */
    private JsonNode pollUntilBuilt(String serverPath) {
        for (int poll = 0; poll < 10; poll++) {
            JsonNode server = server(serverPath);
            if (server.path("commissionStatus").asInt() >= Server.BUILT) {
                return server;
            }
            kiln.server().workers().runOnce("test");
        }
        throw new AssertionError("server was not built after 10 polls: " + server(serverPath));
    }

    private boolean running(String serverPath) {
        Api.Response response = api.get(serverPath + "?remoteState=true");
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        JsonNode running = response.data().path("remoteState").path("running");
        assertThat(running.isBoolean()).as(response.toString()).isTrue();
        return running.asBoolean();
    }

    private JsonNode server(String serverPath) {
        Api.Response response = api.get(serverPath);
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        return response.data();
    }

    /** Runs queued items on this thread until none is due; bounded so a loop cannot hang the test. */
    private void runQueue() {
        for (int i = 0; i < 20; i++) {
            if (!kiln.server().workers().runOnce("test")) {
                return;
            }
        }
        throw new AssertionError("queue still had items after 20 runs");
    }

    private static long queueId(Api.Response response) {
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        assertThat(response.data().path("queueId").isIntegralNumber()).as(response.toString()).isTrue();
        return response.data().path("queueId").asLong();
    }

    private static String firstAddress(JsonNode server) {
        return server.path("network").path("interfaces").path(0).path("ipv4").path(0).path("address").asText();
    }

    private static void assertNoContent(Api.Response response) {
        assertThat(response.status()).as(response.toString()).isEqualTo(204);
        assertThat(response.body()).isEmpty();
    }
}
