package dev.kiln.servers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.testing.DatabaseKind;
import dev.kiln.testing.Fixtures;
import dev.kiln.testing.TestKiln;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

class SmokeH2Test {

    @Test
    void buildCompletesOnBothDatabases() {
        for (DatabaseKind kind : DatabaseKind.values()) {
            try (TestKiln kiln = TestKiln.start(kind)) {
                Fixtures f = new Fixtures(kiln.api());
                long user = f.user(1);
                long server = f.server(user, 1);
                f.build(server, "{\"operatingSystemId\":1}");
                Awaitility.await().atMost(Duration.ofSeconds(20)).until(() ->
                        kiln.api().get("/api/v1/servers/" + server).data().path("commissionStatus").asInt() == 3);
                assertThat(kiln.api().get("/api/v1/servers/" + server).data().path("state").asText()).isEqualTo("complete");
            }
        }
    }
}
