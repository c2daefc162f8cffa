package dev.kiln.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.testing.Api;
import dev.kiln.testing.DatabaseKind;
import dev.kiln.testing.Fixtures;
import dev.kiln.testing.TestKiln;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MonitoringRoutesTest {

    private static final Map<String, String> NO_TOKEN = Map.of("Authorization", "");

    private TestKiln kiln;

    @BeforeAll
    void startNode() {
        kiln = TestKiln.builder(DatabaseKind.H2).setting("workers", "0").start();
    }

    @AfterAll
    void stopNode() {
        kiln.close();
    }

    @Test
    void healthNeedsNoToken() {
        Api.Response response = kiln.api().send("GET", "/health", null, NO_TOKEN);

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.json().path("status").asText()).isEqualTo("ok");
    }

    @Test
    void metricsNeedsToken() {
        Api.Response response = kiln.api().send("GET", "/metrics", null, NO_TOKEN);

        assertThat(response.status()).isEqualTo(401);
    }

    @Test
    void metricsShowsStatementCounter() {
        Api.Response response = kiln.api().get("/metrics");

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.contentType()).startsWith("text/plain");
        assertThat(response.body()).contains("kiln_sql_statements_total{thread=\"http\"}");
        assertThat(response.body()).contains("jvm_memory_used_bytes");
    }

    @Test
    void serverGetStaysWithinStatementBudget() {
        Fixtures f = new Fixtures(kiln.api());
        long server = f.server(f.user(77), 1);
        kiln.api().get("/api/v1/servers/" + server);

        double before = httpStatements();
        assertThat(kiln.api().get("/api/v1/servers/" + server).status()).isEqualTo(200);
        double after = httpStatements();

        // The server view: the joined row, then the children in one statement on PostgreSQL or in
        // four on H2. The token was looked up by the requests before, and is cached.
        assertThat(after - before).isEqualTo(viewStatements());
    }

    @Test
    void buildRequestStaysWithinStatementBudget() {
        Fixtures f = new Fixtures(kiln.api());
        long server = f.server(f.user(79), 1);
        kiln.api().get("/api/v1/servers/" + server);

        double before = httpStatements();
        f.build(server, "{\"operatingSystemId\":1}");
        double after = httpStatements();

        // The server, the template and its offer, the queue item, the server update, the key set
        // and the server view.
        assertThat(after - before).isEqualTo(5.0 + viewStatements());
    }

    @Test
    void finishedQueueItemsAreCountedByOutcome() {
        Fixtures f = new Fixtures(kiln.api());
        long user = f.user(78);
        long first = f.server(user, 1);
        long second = f.server(user, 1);
        String done = "kiln_queue_items_finished_total{action=\"build_server\",outcome=\"done\"}";
        String failed = "kiln_queue_items_finished_total{action=\"build_server\",outcome=\"failed\"}";
        double doneBefore = metric(done);
        double failedBefore = metric(failed);

        f.build(first, "{\"operatingSystemId\":1}");
        assertThat(kiln.server().workers().runOnce("metrics-test")).isTrue();
        long hypervisor = kiln.api().get("/api/v1/servers/" + second).json().path("data").path("hypervisorId").asLong();
        kiln.simulator(hypervisor).failNext("createDisk", 1);
        f.build(second, "{\"operatingSystemId\":1}");
        assertThat(kiln.server().workers().runOnce("metrics-test")).isTrue();

        assertThat(metric(done) - doneBefore).isEqualTo(1.0);
        assertThat(metric(failed) - failedBefore).isEqualTo(1.0);
    }

    private double viewStatements() {
        return kiln.server().database().dialect().prefersSeparateQueries() ? 5.0 : 2.0;
    }

    private double httpStatements() {
        return metric("kiln_sql_statements_total{thread=\"http\"}");
    }

    /** Returns a counter's value from /metrics, or 0 when the counter has not been created yet. */
    private double metric(String series) {
        for (String line : kiln.api().get("/metrics").body().split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0;
    }
}
