package dev.kiln.users;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.testing.Api;
import dev.kiln.testing.DatabaseKind;
import dev.kiln.testing.Fixtures;
import dev.kiln.testing.TestKiln;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** One-time login tokens: issued per user or per server, consumed once, expiring after 60 s. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class LoginTokensCases {

    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.now());
    private TestKiln kiln;
    private Api api;
    private Fixtures fixtures;

    abstract DatabaseKind database();

    @BeforeAll
    void start() {
        Clock clock = new Clock() {
            @Override
            public ZoneId getZone() {
                return ZoneId.of("UTC");
            }

            @Override
            public Clock withZone(ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now.get();
            }
        };
        kiln = TestKiln.builder(database()).clock(clock).setting("workers", "0").start();
        api = kiln.api();
        fixtures = new Fixtures(api);
    }

    @AfterAll
    void stop() {
        kiln.close();
    }

    @Test
    void tokensLogInOnce() {
        fixtures.user(700);

        Api.Response issued = api.post("/api/v1/users/700/authenticationTokens", "");

        assertThat(issued.status()).isEqualTo(200);
        JsonNode auth = issued.data().path("authentication");
        assertThat(auth.path("tokens").path("1").asText()).hasSize(100);
        assertThat(auth.path("expiry").path("ttl").asInt()).isEqualTo(60);
        String path = auth.path("endpoint_complete").asText();
        assertThat(path).startsWith("/token_authenticate/?1=");
        Api.Response first = anonymous(path);
        Api.Response second = anonymous(path);
        assertThat(first.status()).isEqualTo(200);
        assertThat(first.data().path("userId").isIntegralNumber()).isTrue();
        assertThat(second.status()).isEqualTo(401);
    }

    @Test
    void serverTokensNameServer() {
        long user = fixtures.user(701);
        long server = fixtures.server(user, 1);

        Api.Response issued = api.post("/api/v1/users/701/serverAuthenticationTokens/" + server, "[]");
        Api.Response login = anonymous(issued.data().path("authentication").path("endpoint_complete").asText());

        assertThat(issued.status()).isEqualTo(200);
        assertThat(login.data().path("serverId").asLong()).isEqualTo(server);
    }

    @Test
    void otherUsersServerAnswers404() {
        long owner = fixtures.user(702);
        long server = fixtures.server(owner, 1);
        fixtures.user(703);

        Api.Response r = api.post("/api/v1/users/703/serverAuthenticationTokens/" + server, "");

        assertThat(r.status()).isEqualTo(404);
        assertThat(r.json().path("msg").asText()).isEqualTo("server not found");
    }

    @Test
    void expiredTokensAreRejected() {
        fixtures.user(704);
        String path = api.post("/api/v1/users/704/authenticationTokens", "").data().path("authentication")
                .path("endpoint_complete").asText();

        now.set(now.get().plus(Duration.ofSeconds(61)));

        assertThat(anonymous(path).status()).isEqualTo(401);
    }

    @Test
    void wrongSecondHalfIsRejected() {
        fixtures.user(705);
        JsonNode tokens = api.post("/api/v1/users/705/authenticationTokens", "").data().path("authentication").path("tokens");

        Api.Response r = anonymous("/token_authenticate/?1=" + tokens.path("1").asText() + "&2=wrong");

        assertThat(r.status()).isEqualTo(401);
        assertThat(r.json().has("msg")).isTrue();
    }

    @Test
    void unknownUserAnswers404() {
        Api.Response r = api.post("/api/v1/users/999999/authenticationTokens", "");

        assertThat(r.status()).isEqualTo(404);
        assertThat(r.json().path("msg").asText()).isEqualTo("ext_relation_id not found");
    }

    private Api.Response anonymous(String path) {
        return api.send("GET", path, null, Map.of("Authorization", ""));
    }
}
