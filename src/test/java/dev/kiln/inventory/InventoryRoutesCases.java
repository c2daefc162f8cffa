package dev.kiln.inventory;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.testing.Api;
import dev.kiln.testing.DatabaseKind;
import dev.kiln.testing.TestKiln;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Kiln's inventory administration under /api/kiln/v1, on a real node. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class InventoryRoutesCases {

    private TestKiln kiln;
    private Api api;

    abstract DatabaseKind database();

    @BeforeAll
    void start() {
        kiln = TestKiln.start(database());
        api = kiln.api();
    }

    @AfterAll
    void stop() {
        kiln.close();
    }

    @Test
    void listsEveryKindInInventoryShape() {
        for (String kind : new String[] {"hypervisor-groups", "hypervisors", "ip-blocks", "template-groups", "templates", "packages"}) {
            Api.Response r = api.get("/api/kiln/v1/" + kind);
            assertThat(r.status()).as(kind).isEqualTo(200);
            assertThat(r.data().isArray()).as(kind).isTrue();
            assertThat(r.data().size()).as(kind).isPositive();
        }
        JsonNode hypervisor = api.get("/api/kiln/v1/hypervisors").data().get(0);
        assertThat(hypervisor.path("resources").path("memoryMb").asInt()).isEqualTo(16384);
        JsonNode v4 = api.get("/api/kiln/v1/ip-blocks").data().get(0);
        assertThat(v4.path("first").asText()).isEqualTo("192.0.2.10");
        assertThat(v4.path("last").asText()).isEqualTo("192.0.2.200");
    }

    @Test
    void exportedEntryAppliesBackUnchanged() {
        for (String kind : new String[] {"hypervisors", "ip-blocks", "templates", "packages"}) {
            JsonNode entry = api.get("/api/kiln/v1/" + kind).data().get(0);
            String name = kind.equals("templates") ? entry.path("key").asText() : entry.path("name").asText();

            Api.Response r = api.put("/api/kiln/v1/" + kind + "/" + name, entry.toString());

            assertThat(r.status()).as(kind + ": " + r).isEqualTo(200);
            assertThat(api.get("/api/kiln/v1/" + kind).data().get(0)).as(kind).isEqualTo(entry);
        }
    }

    @Test
    void putCreatesPackageOfferedByApi() {
        Api.Response r = api.put("/api/kiln/v1/packages/Medium",
                "{\"memoryMb\":2048,\"cpuCores\":2,\"primaryStorageGb\":40,\"templateGroups\":[\"Debian\"]}");

        assertThat(r.status()).isEqualTo(200);
        JsonNode packages = api.get("/api/v1/packages").data();
        JsonNode medium = null;
        for (JsonNode p : packages) {
            if (p.path("name").asText().equals("Medium")) {
                medium = p;
            }
        }
        assertThat(medium).isNotNull();
        assertThat(medium.path("memory").asInt()).isEqualTo(2048);
    }

    @Test
    void disableTurnsPackageOff() {
        api.put("/api/kiln/v1/packages/Retired", "{\"memoryMb\":512,\"cpuCores\":1,\"primaryStorageGb\":10}");

        Api.Response r = api.post("/api/kiln/v1/packages/Retired/disable", "");

        assertThat(r.status()).isEqualTo(204);
        JsonNode retired = null;
        for (JsonNode p : api.get("/api/kiln/v1/packages").data()) {
            if (p.path("name").asText().equals("Retired")) {
                retired = p;
            }
        }
        assertThat(retired.path("enabled").asBoolean()).isFalse();
    }

    @Test
    void badEntriesAnswer422() {
        Api.Response wrongType = api.put("/api/kiln/v1/packages/Broken", "{\"memoryMb\":\"lots\"}");
        Api.Response missing = api.put("/api/kiln/v1/packages/Broken", "{\"cpuCores\":1}");
        Api.Response nameClash = api.put("/api/kiln/v1/packages/Broken", "{\"name\":\"Other\",\"memoryMb\":1,\"cpuCores\":1}");
        Api.Response notYaml = api.post("/api/kiln/v1/inventory", "{{{");

        assertThat(wrongType.status()).isEqualTo(422);
        assertThat(missing.status()).isEqualTo(422);
        assertThat(nameClash.status()).isEqualTo(422);
        assertThat(notYaml.status()).isEqualTo(422);
        assertThat(notYaml.json().path("errors").isArray()).isTrue();
        assertThat(api.get("/api/kiln/v1/packages").body()).doesNotContain("Broken");
    }

    @Test
    void unknownKindAndNameAnswer404() {
        assertThat(api.get("/api/kiln/v1/widgets").status()).isEqualTo(404);
        assertThat(api.post("/api/kiln/v1/packages/Nope/disable", "").status()).isEqualTo(404);
    }

    @Test
    void wholeDocumentApplies() {
        Api.Response r = api.post("/api/kiln/v1/inventory", "hypervisorGroups:\n  - name: Spare\n");

        assertThat(r.status()).isEqualTo(200);
        assertThat(api.get("/api/v1/compute/hypervisors/groups").body()).contains("Spare");
    }

    @Test
    void routesNeedToken() {
        Api.Response r = api.send("GET", "/api/kiln/v1/packages", null, java.util.Map.of("Authorization", ""));

        assertThat(r.status()).isEqualTo(401);
    }
}
