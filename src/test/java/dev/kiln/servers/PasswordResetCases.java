package dev.kiln.servers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.security.Passwords;
import dev.kiln.testing.Api;
import dev.kiln.testing.DatabaseKind;
import dev.kiln.testing.Fixtures;
import dev.kiln.testing.TestKiln;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** POST /servers/{id}/resetPassword: a new root password set in the guest through the queue. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class PasswordResetCases {

    private TestKiln kiln;
    private Api api;
    private Fixtures fixtures;
    private long owner;

    abstract DatabaseKind database();

    @BeforeAll
    void start() {
        kiln = TestKiln.start(database());
        api = kiln.api();
        fixtures = new Fixtures(api);
        owner = fixtures.user(500);
    }

    @AfterAll
    void stop() {
        kiln.close();
    }

    private long builtServer() {
        long server = fixtures.server(owner, 1);
        fixtures.build(server, "{\"operatingSystemId\":1}");
        awaitFree(server);
        return server;
    }

    private void awaitFree(long server) {
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> {
            var data = api.get("/api/v1/servers/" + server).data();
            return data.path("commissionStatus").asInt() == 3 && !data.path("tasks").path("active").asBoolean();
        });
    }

    @Test
    void resetSetsGuestPasswordAndStoresIt() {
        long server = builtServer();
        String uuid = api.get("/api/v1/servers/" + server).data().path("uuid").asText();

        Api.Response r = api.post("/api/v1/servers/" + server + "/resetPassword", "{\"user\":\"ROOT\",\"sendMail\":false}");

        assertThat(r.status()).isEqualTo(200);
        String expected = r.data().path("expectedPassword").asText();
        assertThat(expected).hasSize(20);
        assertThat(r.data().path("queueId").isIntegralNumber()).isTrue();
        awaitFree(server);
        String hash = kiln.simulator(hypervisorOf(server)).passwordHash(uuid, "root");
        assertThat(Passwords.matchesSha512Crypt(expected, hash)).isTrue();
        long queueId = r.data().path("queueId").asLong();
        assertThat(api.get("/api/v1/queue/" + queueId).body()).doesNotContain(expected);
        assertThat(api.get("/api/v1/servers/" + server).body()).doesNotContain(expected);
    }

    @Test
    void failedResetKeepsStoredPassword() {
        long server = builtServer();
        long hypervisor = hypervisorOf(server);
        String before = api.get("/api/v1/servers/" + server).data().path("settings").path("encryptedPassword").asText();
        kiln.simulator(hypervisor).failNext("setUserPassword", 1);

        Api.Response r = api.post("/api/v1/servers/" + server + "/resetPassword", "{\"user\":\"root\"}");

        assertThat(r.status()).isEqualTo(200);
        long queueId = r.data().path("queueId").asLong();
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> api.get("/api/v1/queue/" + queueId).data().path("failed").asBoolean());
        awaitFree(server);
        String after = api.get("/api/v1/servers/" + server).data().path("settings").path("encryptedPassword").asText();
        assertThat(after).isEqualTo(before);
    }

    @Test
    void badUserAnswers422() {
        long server = builtServer();

        Api.Response wrong = api.post("/api/v1/servers/" + server + "/resetPassword", "{\"user\":\"admin\"}");
        Api.Response missing = api.post("/api/v1/servers/" + server + "/resetPassword", "[]");

        assertThat(wrong.status()).isEqualTo(422);
        assertThat(missing.status()).isEqualTo(422);
        assertThat(missing.json().path("errors").get(0).asText()).contains("user");
    }

    @Test
    void neverBuiltServerAnswers422() {
        long server = fixtures.server(owner, 1);

        assertThat(api.post("/api/v1/servers/" + server + "/resetPassword", "{\"user\":\"root\"}").status()).isEqualTo(422);
    }

    @Test
    void unknownServerAnswers404() {
        Api.Response r = api.post("/api/v1/servers/999999/resetPassword", "{\"user\":\"root\"}");

        assertThat(r.status()).isEqualTo(404);
        assertThat(r.json().path("msg").asText()).isEqualTo("server not found");
    }

    private long hypervisorOf(long server) {
        return api.get("/api/v1/servers/" + server).data().path("hypervisorId").asLong();
    }
}
