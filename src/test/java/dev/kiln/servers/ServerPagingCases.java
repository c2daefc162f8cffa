package dev.kiln.servers;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.testing.DatabaseKind;
import dev.kiln.testing.Fixtures;
import dev.kiln.testing.TestKiln;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code GET /servers} pages: pages past the middle are read from the end of the id order, and
 * every page must still hold the same servers, in ascending id order, as a forward read would.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ServerPagingCases {

    private static final int SERVERS = 7;

    private TestKiln kiln;
    private final List<Long> created = new ArrayList<>();

    abstract DatabaseKind database();

    @BeforeAll
    void startNode() {
        kiln = TestKiln.builder(database()).setting("workers", "0").start();
        Fixtures f = new Fixtures(kiln.api());
        long user = f.user(51);
        for (int i = 0; i < SERVERS; i++) {
            created.add(f.server(user, 1));
        }
    }

    @AfterAll
    void stopNode() {
        kiln.close();
    }

    @Test
    void pagesCoverAllServersInOrder() {
        List<Long> seen = new ArrayList<>();
        for (int page = 1; page <= 4; page++) {
            seen.addAll(ids(list(2, page)));
        }

        assertThat(seen).containsExactlyElementsOf(created);
    }

    @Test
    void lastPartialPageFromEnd() {
        JsonNode body = list(2, 4);

        assertThat(ids(body)).containsExactly(created.get(6));
        assertThat(body.path("from").asLong()).isEqualTo(7);
        assertThat(body.path("to").asLong()).isEqualTo(7);
        assertThat(body.path("last_page").asInt()).isEqualTo(4);
    }

    @Test
    void pageNearEndHoldsFullPage() {
        assertThat(ids(list(3, 2))).containsExactly(created.get(3), created.get(4), created.get(5));
    }

    @Test
    void pagePastEndIsEmpty() {
        JsonNode body = list(2, 5);

        assertThat(ids(body)).isEmpty();
        assertThat(body.path("from").isNull()).isTrue();
        assertThat(body.path("total").asLong()).isEqualTo(SERVERS);
    }

    private JsonNode list(int results, int page) {
        var response = kiln.api().get("/api/v1/servers?results=" + results + "&page=" + page);
        assertThat(response.status()).isEqualTo(200);
        return response.json();
    }

    private static List<Long> ids(JsonNode body) {
        List<Long> out = new ArrayList<>();
        body.path("data").forEach(row -> out.add(row.path("id").asLong()));
        return out;
    }
}
