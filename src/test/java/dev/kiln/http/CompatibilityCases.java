package dev.kiln.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.testing.Api;
import dev.kiln.testing.DatabaseKind;
import dev.kiln.testing.Fixtures;
import dev.kiln.testing.RawHttp;
import dev.kiln.testing.RowCounts;
import dev.kiln.testing.TestKiln;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What billing modules and SDKs rely on beyond the spec, for the routes Kiln serves: exact
 * status codes, error bodies, authentication leniency, Laravel-style input leniency and the
 * JSON types of the responses. The node runs without queue workers, so tests step the queue by hand.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class CompatibilityCases {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String V1 = "/api/v1";
    private static final String UUID_PATTERN = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
    private static final String IPV4_PATTERN = "\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}";

    /** extRelationIds handed to users created by tests, so no two tests collide. */
    private final AtomicLong nextExtRelationId = new AtomicLong(1000);

    private TestKiln kiln;
    private RowCounts rows;
    private Api api;
    private Fixtures fixtures;

    private long userId;
    private long userExtRelationId;
    private long keyId;
    /** Built and running. Tests that rebuild it leave it built. */
    private long serverId;

    abstract DatabaseKind database();

    @BeforeAll
    void startNode() {
        kiln = TestKiln.builder(database()).setting("workers", "0").start();
        api = kiln.api();
        fixtures = new Fixtures(api);
        rows = new RowCounts(kiln);

        userExtRelationId = 7;
        userId = fixtures.user(userExtRelationId);
        keyId = fixtures.sshKey(userId, Fixtures.ED25519_A);
        serverId = fixtures.server(userId, 1);
        fixtures.build(serverId, "{\"operatingSystemId\":1,\"hostname\":\"compat.example.com\"}");
        runQueue();
    }

    @AfterAll
    void stopNode() {
        if (kiln != null) {
            kiln.close();
        }
    }

    // Status codes and JSON types, route by route.

    @Test
    void connectReturnsEmptyList() {
        Api.Response r = api.get(V1 + "/connect");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().isArray()).isTrue();
        assertThat(r.json().isEmpty()).isTrue();
    }

    @Test
    void packagesListed() {
        Api.Response r = api.get(V1 + "/packages");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.data().isArray()).isTrue();
        assertThat(r.data().size()).isEqualTo(2);
        for (JsonNode p : r.data()) {
            assertPackageTypes(p);
        }
    }

    @Test
    void packageFound() {
        Api.Response r = api.get(V1 + "/packages/2");

        assertThat(r.status()).isEqualTo(200);
        assertPackageTypes(r.data());
        assertThat(r.data().path("id").asLong()).isEqualTo(2);
        assertThat(r.data().path("memory").asInt()).isEqualTo(4096);
    }

    @Test
    void hypervisorsListedPaginated() {
        Api.Response r = api.get(V1 + "/compute/hypervisors");

        assertThat(r.status()).isEqualTo(200);
        assertPaginated(r.json(), 2);
        for (JsonNode h : r.json().path("data")) {
            assertHypervisorTypes(h);
        }
    }

    @Test
    void hypervisorFound() {
        Api.Response r = api.get(V1 + "/compute/hypervisors/1");

        assertThat(r.status()).isEqualTo(200);
        assertHypervisorTypes(r.data());
        assertThat(r.data().path("id").asLong()).isEqualTo(1);
    }

    @Test
    void hypervisorGroupsListedPaginated() {
        Api.Response r = api.get(V1 + "/compute/hypervisors/groups");

        assertThat(r.status()).isEqualTo(200);
        assertPaginated(r.json(), 2);
        for (JsonNode g : r.json().path("data")) {
            assertGroupTypes(g);
        }
    }

    @Test
    void hypervisorGroupFound() {
        Api.Response r = api.get(V1 + "/compute/hypervisors/groups/1");

        assertThat(r.status()).isEqualTo(200);
        assertGroupTypes(r.data());
        assertThat(r.data().path("name").asText()).isEqualTo("Test");
    }

    @Test
    void packageTemplatesOffered() {
        Api.Response small = api.get(V1 + "/media/templates/fromServerPackageSpec/1");
        Api.Response large = api.get(V1 + "/media/templates/fromServerPackageSpec/2");

        assertThat(small.status()).isEqualTo(200);
        assertThat(large.status()).isEqualTo(200);
        assertTemplateGroupTypes(small.data());
        assertThat(templateIds(small.data())).containsExactlyInAnyOrder(1L, 2L, 3L);
        assertThat(templateIds(large.data())).containsExactlyInAnyOrder(1L, 2L, 3L, 4L);
    }

    @Test
    void serverTemplatesFollowPackage() {
        Api.Response r = api.get(V1 + "/servers/" + serverId + "/templates");

        assertThat(r.status()).isEqualTo(200);
        assertTemplateGroupTypes(r.data());
        assertThat(templateIds(r.data())).containsExactlyInAnyOrder(1L, 2L, 3L);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/packages/999", "/compute/hypervisors/999", "/compute/hypervisors/groups/999",
            "/media/templates/fromServerPackageSpec/999", "/ssh_keys/999999", "/ssh_keys/user/999999", "/queue/999999",
            "/no/such/route"})
    void unknownEntityReturns404Json(String path) {
        Api.Response r = api.get(V1 + path);

        assertThat(r.status()).isEqualTo(404);
        assertThat(r.contentType()).startsWith("application/json");
        assertThat(r.json().path("msg").isTextual()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/servers/999999", "/servers/abc", "/servers/0", "/servers/-1", "/servers/999999/templates"})
    void unknownServerReturnsExact404(String path) throws IOException {
        Api.Response r = api.get(V1 + path);

        assertThat(r.status()).isEqualTo(404);
        assertThat(r.json()).isEqualTo(MAPPER.readTree("{\"msg\":\"server not found\"}"));
    }

    @Test
    void unknownServerBuildReturnsExact404() throws IOException {
        Api.Response r = api.post(V1 + "/servers/999999/build", "{\"operatingSystemId\":1}");

        assertThat(r.status()).isEqualTo(404);
        assertThat(r.json()).isEqualTo(MAPPER.readTree("{\"msg\":\"server not found\"}"));
    }

    @Test
    void userCreated201() {
        long ext = nextExtRelationId.getAndIncrement();

        Api.Response r = api.post(V1 + "/users", "{\"name\":\"Jon Doe\",\"email\":\"jon" + ext + "@example.com\",\"extRelationId\":" + ext + "}");

        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        JsonNode u = r.data();
        assertThat(u.path("id").isIntegralNumber()).isTrue();
        assertThat(u.path("extRelationId").isIntegralNumber()).isTrue();
        assertThat(u.path("extRelationId").asLong()).isEqualTo(ext);
        assertThat(u.path("admin").isBoolean()).isTrue();
        assertThat(u.path("suspended").isBoolean()).isTrue();
        assertThat(u.path("twoFactorAuth").isBoolean()).isTrue();
        assertThat(u.path("selfService").isIntegralNumber()).isTrue();
        assertThat(u.path("name").asText()).isEqualTo("Jon Doe");
        assertThat(u.path("email").isTextual()).isTrue();
        assertThat(u.path("password").isTextual()).isTrue();
        assertThat(u.path("password").asText()).isNotBlank();
    }

    @Test
    void userDuplicateExtRelationConflicts() {
        Api.Response r = api.post(V1 + "/users", "{\"name\":\"Copy\",\"email\":\"copy-ext@example.com\",\"extRelationId\":"
                + userExtRelationId + "}");

        assertThat(r.status()).as(r.toString()).isEqualTo(409);
        assertThat(r.json().path("msg").isTextual()).isTrue();
    }

    @Test
    void userDuplicateEmailConflicts() {
        long ext = nextExtRelationId.getAndIncrement();
        api.post(V1 + "/users", "{\"name\":\"First\",\"email\":\"same" + ext + "@example.com\",\"extRelationId\":" + ext + "}");

        Api.Response r = api.post(V1 + "/users", "{\"name\":\"Second\",\"email\":\"SAME" + ext + "@Example.com\",\"extRelationId\":"
                + nextExtRelationId.getAndIncrement() + "}");

        assertThat(r.status()).as(r.toString()).isEqualTo(409);
        assertThat(r.json().path("msg").isTextual()).isTrue();
    }

    @Test
    void userFoundByExtRelation() {
        Api.Response r = api.get(V1 + "/users/" + userExtRelationId + "/byExtRelation");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.data().path("id").isIntegralNumber()).isTrue();
        assertThat(r.data().path("id").asLong()).isEqualTo(userId);
        assertThat(r.data().path("extRelationId").isIntegralNumber()).isTrue();
        assertThat(r.data().has("password")).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/users/999999/byExtRelation", "/users/abc/byExtRelation", "/users/-1/byExtRelation",
            "/users/no-such-rel/byExtRelation?relStr=true"})
    void unknownUserReturnsExact404(String path) throws IOException {
        Api.Response r = api.get(V1 + path);

        assertThat(r.status()).isEqualTo(404);
        assertThat(r.json()).isEqualTo(MAPPER.readTree("{\"msg\":\"ext_relation_id not found\"}"));
    }

    @Test
    void userFoundByRelStr() {
        long ext = nextExtRelationId.getAndIncrement();
        Api.Response created = api.post(V1 + "/users", "{\"name\":\"Rel\",\"email\":\"rel" + ext + "@example.com\",\"relStr\":\"client-"
                + ext + "\"}");
        assertThat(created.status()).as(created.toString()).isEqualTo(201);

        Api.Response byTrue = api.get(V1 + "/users/client-" + ext + "/byExtRelation?relStr=true");
        Api.Response byOne = api.get(V1 + "/users/client-" + ext + "/byExtRelation?relStr=1");
        Api.Response withoutFlag = api.get(V1 + "/users/client-" + ext + "/byExtRelation");

        assertThat(byTrue.status()).isEqualTo(200);
        assertThat(byTrue.data().path("id").asLong()).isEqualTo(created.data().path("id").asLong());
        assertThat(byOne.status()).isEqualTo(200);
        assertThat(withoutFlag.status()).isEqualTo(404);
    }

    @Test
    void sshKeyCreated201() {
        Api.Response r = api.post(V1 + "/ssh_keys", "{\"userId\":" + userId + ",\"name\":\"laptop\",\"publicKey\":\""
                + Fixtures.ED25519_B + "\"}");

        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        assertThat(r.data().path("id").isIntegralNumber()).isTrue();
        assertThat(r.data().path("name").asText()).isEqualTo("laptop");
        assertThat(r.data().path("type").isTextual()).isTrue();
        assertThat(r.data().path("createdAt").isTextual()).isTrue();
    }

    @Test
    void sshKeyFound() {
        Api.Response r = api.get(V1 + "/ssh_keys/" + keyId);

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.data().path("id").isIntegralNumber()).isTrue();
        assertThat(r.data().path("publicKey").asText()).isEqualTo(Fixtures.ED25519_A);
        assertThat(r.data().path("enabled").isBoolean()).isTrue();
        assertThat(r.data().path("created").isTextual()).isTrue();
    }

    @Test
    void sshKeysOfUserListed() {
        Api.Response r = api.get(V1 + "/ssh_keys/user/" + userId);

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.data().isArray()).isTrue();
        List<Long> ids = new ArrayList<>();
        r.data().forEach(k -> ids.add(k.path("id").asLong()));
        assertThat(ids).contains(keyId);
        r.data().forEach(k -> assertThat(k.path("enabled").isBoolean()).isTrue());
    }

    @Test
    void serverCreated201WithAddresses() {
        Api.Response r = api.post(V1 + "/servers", "{\"packageId\":1,\"userId\":" + userId + ",\"hypervisorId\":1}");

        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        JsonNode s = r.data();
        assertThat(s.path("id").isIntegralNumber()).isTrue();
        assertThat(s.path("uuid").asText()).matches(UUID_PATTERN);
        assertThat(s.path("ownerId").asLong()).isEqualTo(userId);
        assertThat(s.path("owner").path("id").isIntegralNumber()).isTrue();
        assertThat(s.path("owner").path("id").asLong()).isEqualTo(userId);
        assertThat(s.path("commissionStatus").asInt()).isEqualTo(0);
        JsonNode ipv4 = s.path("network").path("interfaces").path(0).path("ipv4");
        assertThat(ipv4.isArray()).isTrue();
        assertThat(ipv4.size()).isEqualTo(1);
        assertThat(ipv4.path(0).path("address").asText()).matches(IPV4_PATTERN);
    }

    @Test
    void serverDryRunWritesNothing() {
        Map<String, Long> before = rows.snapshot();

        Api.Response r = api.post(V1 + "/servers?dryRun=true", "{\"packageId\":1,\"userId\":" + userId + ",\"hypervisorId\":1}");

        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.data().path("dryRun").asBoolean()).isTrue();
        assertThat(rows.snapshot()).isEqualTo(before);
    }

    @Test
    void serverFoundTyped() {
        Api.Response r = api.get(V1 + "/servers/" + serverId);

        assertThat(r.status()).isEqualTo(200);
        JsonNode s = r.data();
        assertThat(s.path("id").isIntegralNumber()).isTrue();
        assertThat(s.path("ownerId").isIntegralNumber()).isTrue();
        assertThat(s.path("hypervisorId").isIntegralNumber()).isTrue();
        assertThat(s.path("commissionStatus").isIntegralNumber()).isTrue();
        assertThat(s.path("suspended").isBoolean()).isTrue();
        assertThat(s.path("protected").isBoolean()).isTrue();
        assertThat(s.path("buildFailed").isBoolean()).isTrue();
        assertThat(s.path("name").isTextual()).isTrue();
        assertThat(s.path("remoteState").isBoolean()).isTrue();
        assertThat(s.path("remoteState").asBoolean()).isFalse();
        assertThat(s.path("settings").has("decryptedPassword")).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"true", "1", "TRUE"})
    void serverRemoteStateShape(String flag) {
        Api.Response r = api.get(V1 + "/servers/" + serverId + "?remoteState=" + flag);

        assertThat(r.status()).isEqualTo(200);
        JsonNode remote = r.data().path("remoteState");
        assertThat(remote.isObject()).isTrue();
        assertThat(remote.path("running").isBoolean()).isTrue();
        assertThat(remote.path("running").asBoolean()).isTrue();
        assertThat(remote.path("state").isTextual()).isTrue();
        assertThat(remote.path("cpu").isIntegralNumber()).isTrue();
        for (String key : List.of("actual", "unused", "available", "rss")) {
            assertThat(remote.path("memory").path(key).isIntegralNumber()).as("memory." + key).isTrue();
        }
        assertThat(remote.path("disk").path("vda").path("rd.bytes").isIntegralNumber()).isTrue();
        assertThat(remote.path("disk").path("vda").path("wr.bytes").isIntegralNumber()).isTrue();
    }

    @Test
    void serverRemoteStateFalseIsBoolean() {
        Api.Response r = api.get(V1 + "/servers/" + serverId + "?remoteState=false");

        assertThat(r.data().path("remoteState").isBoolean()).isTrue();
        assertThat(r.data().path("remoteState").asBoolean()).isFalse();
    }

    @Test
    void buildReturns200() {
        Api.Response r = api.post(V1 + "/servers/" + serverId + "/build", "{\"operatingSystemId\":1}");

        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.data().path("commissionStatus").asInt()).isEqualTo(1);
        runQueue();
    }

    @Test
    void queueItemTyped() {
        api.post(V1 + "/servers/" + serverId + "/build", "{\"operatingSystemId\":1}");
        runQueue();
        long queueId = latestQueueId(serverId);

        Api.Response r = api.get(V1 + "/queue/" + queueId);

        assertThat(r.status()).isEqualTo(200);
        JsonNode q = r.data();
        assertThat(q.path("id").isIntegralNumber()).isTrue();
        assertThat(q.path("id").asLong()).isEqualTo(queueId);
        assertThat(q.path("serverId").asLong()).isEqualTo(serverId);
        assertThat(q.path("hypervisorId").isIntegralNumber()).isTrue();
        assertThat(q.path("failed").isBoolean()).isTrue();
        assertThat(q.path("failed").asBoolean()).isFalse();
        assertThat(q.path("progress").isIntegralNumber()).isTrue();
        assertThat(q.path("progress").asInt()).isEqualTo(100);
        assertThat(q.path("action").isTextual()).isTrue();
        assertThat(q.path("primaryActions").isArray()).isTrue();
        assertThat(q.path("primaryActions").isEmpty()).isFalse();
    }

    // Authentication.

    @ParameterizedTest
    @MethodSource("everyRoute")
    void missingTokenRejected(String method, String path, String body) {
        Map<String, Long> before = rows.snapshot();

        Api.Response r = api.send(method, path, body, Map.of("Authorization", "", "Content-Type", "application/json"));

        assertThat(r.status()).as(r.toString()).isEqualTo(401);
        assertThat(r.contentType()).startsWith("application/json");
        assertThat(r.json().isObject()).isTrue();
        assertThat(rows.snapshot()).isEqualTo(before);
    }

    @ParameterizedTest
    @ValueSource(strings = {"garbage", "Bearer", "Bearer wrong-token", "Basic dXNlcjpwYXNz", "Token TOKEN", "TOKEN", "Bearer TOKENx",
            "Bearer TOKEN TOKEN", "Bearer\u00a0TOKEN"})
    void malformedOrUnknownTokenRejected(String header) {
        Api.Response r = api.send("GET", V1 + "/packages", null, Map.of("Authorization", header.replace("TOKEN", TestKiln.TOKEN)));

        assertThat(r.status()).as(r.toString()).isEqualTo(401);
        assertThat(r.contentType()).startsWith("application/json");
        assertThat(r.json().isObject()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"bearer TOKEN", "bearer   TOKEN", "BEARER TOKEN", "Bearer TOKEN  ", "bEaReR \t TOKEN"})
    void lenientBearerAccepted(String header) {
        Api.Response r = api.send("GET", V1 + "/packages", null, Map.of("Authorization", header.replace("TOKEN", TestKiln.TOKEN)));

        assertThat(r.status()).as(r.toString()).isEqualTo(200);
    }

    // Error bodies and malformed input.

    @ParameterizedTest
    @MethodSource("postRoutes")
    void validationErrorsAreStringList(String path) {
        Map<String, Long> before = rows.snapshot();

        Api.Response r = api.post(path, "{}");

        assertThat(r.status()).as(r.toString()).isEqualTo(422);
        JsonNode errors = r.json().path("errors");
        assertThat(errors.isArray()).isTrue();
        assertThat(errors).isNotEmpty();
        assertThat(errors).allMatch(JsonNode::isTextual);
        assertThat(rows.snapshot()).isEqualTo(before);
    }

    @ParameterizedTest
    @MethodSource("malformedBodies")
    void malformedJsonReturns4xxJson(String path, String body) {
        Map<String, Long> before = rows.snapshot();

        Api.Response r = api.post(path, body);

        assertThat(r.status()).as(r.toString()).isIn(400, 422);
        assertThat(r.contentType()).startsWith("application/json");
        assertThat(r.json().isObject()).isTrue();
        assertThat(rows.snapshot()).isEqualTo(before);
    }

    @ParameterizedTest
    @ValueSource(strings = {"text/html", "application/xml", "*/*", "text/html,application/xhtml+xml,application/xml;q=0.9"})
    void jsonWhateverAccept(String accept) {
        Map<String, String> headers = Map.of("Accept", accept, "Content-Type", "application/json");

        List<Api.Response> responses = List.of(
                api.send("GET", V1 + "/servers/" + serverId, null, headers),
                api.send("GET", V1 + "/servers/999999", null, headers),
                api.send("POST", V1 + "/users", "{}", headers),
                api.send("POST", V1 + "/users", "{", headers),
                api.send("GET", V1 + "/no/such/route", null, headers),
                api.send("DELETE", V1 + "/connect", null, headers),
                api.send("GET", V1 + "/packages", null, Map.of("Accept", accept, "Authorization", "")),
                // Jetty itself rejects a path that is not UTF-8, before the request reaches Javalin.
                api.send("GET", V1 + "/servers/%FF", null, headers));

        assertThat(responses).extracting(Api.Response::status).containsExactly(200, 404, 422, 400, 404, 404, 401, 400);
        for (Api.Response r : responses) {
            assertThat(r.contentType()).as(r.toString()).startsWith("application/json");
            assertThat(r.json()).as(r.toString()).isNotNull();
        }
    }

    // Input leniency.

    @ParameterizedTest
    @ValueSource(strings = {"application/json; charset=utf-8", "application/json;charset=UTF-8", "Application/JSON", "text/plain",
            "application/x-www-form-urlencoded"})
    void contentTypeVariantsAccepted(String contentType) {
        long ext = nextExtRelationId.getAndIncrement();

        Api.Response r = api.send("POST", V1 + "/users", userBody(ext), Map.of("Content-Type", contentType));

        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        assertThat(r.contentType()).startsWith("application/json");
    }

    @Test
    void missingContentTypeAccepted() {
        long ext = nextExtRelationId.getAndIncrement();
        RawHttp raw = new RawHttp(kiln.server().port());

        Api.Response r = raw.send("POST", V1 + "/users", Map.of("Authorization", "Bearer " + TestKiln.TOKEN),
                userBody(ext).getBytes(StandardCharsets.UTF_8));

        assertThat(r.status()).as(r.toString()).isEqualTo(201);
    }

    @Test
    void headerNamesAnyCaseAccepted() {
        RawHttp raw = new RawHttp(kiln.server().port());

        Api.Response lower = raw.send("POST", V1 + "/users", Map.of("authorization", "Bearer " + TestKiln.TOKEN,
                "content-type", "application/json", "accept", "application/json"),
                userBody(nextExtRelationId.getAndIncrement()).getBytes(StandardCharsets.UTF_8));
        Api.Response upper = raw.send("POST", V1 + "/users", Map.of("AUTHORIZATION", "Bearer " + TestKiln.TOKEN,
                "CONTENT-TYPE", "APPLICATION/JSON; CHARSET=UTF-8", "ACCEPT", "*/*"),
                userBody(nextExtRelationId.getAndIncrement()).getBytes(StandardCharsets.UTF_8));
        Api.Response get = raw.send("GET", V1 + "/servers/" + serverId, Map.of("aUtHoRiZaTiOn", "Bearer " + TestKiln.TOKEN), null);

        assertThat(lower.status()).as(lower.toString()).isEqualTo(201);
        assertThat(upper.status()).as(upper.toString()).isEqualTo(201);
        assertThat(get.status()).as(get.toString()).isEqualTo(200);
    }

    @ParameterizedTest
    @ValueSource(strings = {"[]", "", " ", "null"})
    void emptyBodyMeansNoParameters(String body) {
        Map<String, Long> before = rows.snapshot();

        Api.Response user = api.post(V1 + "/users", body);
        Api.Response key = api.post(V1 + "/ssh_keys", body);
        Api.Response server = api.post(V1 + "/servers", body);
        Api.Response build = api.post(V1 + "/servers/" + serverId + "/build", body);

        assertThat(user.status()).as(user.toString()).isEqualTo(422);
        assertThat(user.json().path("errors").toString()).contains("name");
        assertThat(key.status()).as(key.toString()).isEqualTo(422);
        assertThat(server.status()).as(server.toString()).isEqualTo(422);
        assertThat(build.status()).as(build.toString()).isEqualTo(422);
        assertThat(build.json().path("errors").toString()).contains("operatingSystemId");
        assertThat(rows.snapshot()).isEqualTo(before);
    }

    @Test
    void bodyOnGetIgnored() {
        Api.Response r = api.send("GET", V1 + "/servers/" + serverId, "{\"id\":1}", Map.of("Content-Type", "application/json"));

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.data().path("id").asLong()).isEqualTo(serverId);
    }

    @Test
    void trailingSlashIgnored() {
        Api.Response server = api.get(V1 + "/servers/" + serverId + "/");
        Api.Response packages = api.get(V1 + "/packages/");
        Api.Response user = api.get(V1 + "/users/" + userExtRelationId + "/byExtRelation/");
        Api.Response created = api.post(V1 + "/servers/", "{\"packageId\":1,\"userId\":" + userId + ",\"hypervisorId\":1}");
        Api.Response build = api.post(V1 + "/servers/" + serverId + "/build/", "{\"operatingSystemId\":1}");
        runQueue();

        assertThat(server.status()).isEqualTo(200);
        assertThat(packages.status()).isEqualTo(200);
        assertThat(user.status()).isEqualTo(200);
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        assertThat(build.status()).as(build.toString()).isEqualTo(200);
    }

    @Test
    void unknownQueryParametersIgnored() {
        Api.Response server = api.get(V1 + "/servers/" + serverId + "?foo=bar&include=everything");
        Api.Response packages = api.get(V1 + "/packages?page=abc&results=-5&sort=name");
        Api.Response user = api.post(V1 + "/users?XDEBUG_SESSION=1", userBody(nextExtRelationId.getAndIncrement()));

        assertThat(server.status()).isEqualTo(200);
        assertThat(packages.status()).isEqualTo(200);
        assertThat(user.status()).as(user.toString()).isEqualTo(201);
    }

    @Test
    void unknownBodyKeysIgnored() {
        long ext = nextExtRelationId.getAndIncrement();

        Api.Response r = api.post(V1 + "/users", "{\"name\":\"Extra\",\"email\":\"extra" + ext + "@example.com\",\"extRelationId\":" + ext
                + ",\"whmcsServiceId\":12,\"nested\":{\"a\":[1,2,{\"b\":null}]}}");

        assertThat(r.status()).as(r.toString()).isEqualTo(201);
    }

    @Test
    void numericStringsAccepted() {
        long ext = nextExtRelationId.getAndIncrement();

        Api.Response user = api.post(V1 + "/users", "{\"name\":\"Strings\",\"email\":\"strings" + ext + "@example.com\",\"extRelationId\":\""
                + ext + "\"}");
        Api.Response key = api.post(V1 + "/ssh_keys", "{\"userId\":\"" + userId + "\",\"name\":\"k\",\"publicKey\":\"" + Fixtures.ED25519_C
                + "\"}");
        Api.Response server = api.post(V1 + "/servers", "{\"packageId\":\"1\",\"userId\":\"" + userId + "\",\"hypervisorId\":\"1\","
                + "\"ipv4\":\"1\"}");

        assertThat(user.status()).as(user.toString()).isEqualTo(201);
        assertThat(user.data().path("extRelationId").isIntegralNumber()).isTrue();
        assertThat(user.data().path("extRelationId").asLong()).isEqualTo(ext);
        assertThat(key.status()).as(key.toString()).isEqualTo(201);
        assertThat(server.status()).as(server.toString()).isEqualTo(201);
        assertThat(server.data().path("ownerId").asLong()).isEqualTo(userId);
    }

    @Test
    void lenientBooleansAccepted() {
        Api.Response on = api.post(V1 + "/servers/" + serverId + "/build", "{\"operatingSystemId\":1,\"vnc\":1,\"ipv6\":\"true\",\"email\":0}");
        runQueue();
        JsonNode afterOn = api.get(V1 + "/servers/" + serverId).data();
        Api.Response off = api.post(V1 + "/servers/" + serverId + "/build", "{\"operatingSystemId\":1,\"vnc\":\"0\",\"ipv6\":false,"
                + "\"email\":\"false\"}");
        runQueue();
        JsonNode afterOff = api.get(V1 + "/servers/" + serverId).data();

        assertThat(on.status()).as(on.toString()).isEqualTo(200);
        assertThat(afterOn.path("vnc").path("enabled").asBoolean()).isTrue();
        assertThat(afterOn.path("network").path("interfaces").path(0).path("ipv6").size()).isEqualTo(1);
        assertThat(off.status()).as(off.toString()).isEqualTo(200);
        assertThat(afterOff.path("vnc").path("enabled").asBoolean()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"yes\"", "2", "-1", "\"on\"", "[]", "{}", "0.5"})
    void invalidBooleansRejected(String value) {
        Map<String, Long> before = rows.snapshot();

        Api.Response r = api.post(V1 + "/servers/" + serverId + "/build", "{\"operatingSystemId\":1,\"vnc\":" + value + "}");

        assertThat(r.status()).as(r.toString()).isEqualTo(422);
        assertThat(r.json().path("errors").toString()).contains("vnc");
        assertThat(rows.snapshot()).isEqualTo(before);
    }

    @Test
    void nullMeansNotGiven() {
        String name = api.get(V1 + "/servers/" + serverId).data().path("name").asText();

        Api.Response r = api.post(V1 + "/servers/" + serverId + "/build", "{\"operatingSystemId\":1,\"name\":null,\"hostname\":null,"
                + "\"sshKeys\":null,\"swap\":null,\"vnc\":null,\"ipv6\":null,\"email\":null}");
        runQueue();

        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(api.get(V1 + "/servers/" + serverId).data().path("name").asText()).isEqualTo(name);
        assertThat(api.get(V1 + "/servers/" + serverId).data().path("hostname").asText()).isEqualTo("compat.example.com");
    }

    // Sources and helpers.

    Stream<org.junit.jupiter.params.provider.Arguments> everyRoute() {
        String server = V1 + "/servers/" + serverId;
        return Stream.of(
                args("GET", V1 + "/connect", null),
                args("GET", V1 + "/packages", null),
                args("GET", V1 + "/packages/1", null),
                args("GET", V1 + "/compute/hypervisors", null),
                args("GET", V1 + "/compute/hypervisors/1", null),
                args("GET", V1 + "/compute/hypervisors/groups", null),
                args("GET", V1 + "/compute/hypervisors/groups/1", null),
                args("GET", V1 + "/media/templates/fromServerPackageSpec/1", null),
                args("GET", server + "/templates", null),
                args("POST", V1 + "/users", userBody(nextExtRelationId.getAndIncrement())),
                args("GET", V1 + "/users/" + userExtRelationId + "/byExtRelation", null),
                args("POST", V1 + "/ssh_keys", "{\"userId\":" + userId + ",\"name\":\"k\",\"publicKey\":\"" + Fixtures.ED25519_C + "\"}"),
                args("GET", V1 + "/ssh_keys/" + keyId, null),
                args("GET", V1 + "/ssh_keys/user/" + userId, null),
                args("POST", V1 + "/servers", "{\"packageId\":1,\"userId\":" + userId + ",\"hypervisorId\":1}"),
                args("POST", V1 + "/servers?dryRun=true", "{\"packageId\":1,\"userId\":" + userId + ",\"hypervisorId\":1}"),
                args("GET", server, null),
                args("GET", server + "?remoteState=true", null),
                args("POST", server + "/build", "{\"operatingSystemId\":1}"),
                args("GET", V1 + "/queue/1", null));
    }

    Stream<String> postRoutes() {
        return Stream.of(V1 + "/users", V1 + "/ssh_keys", V1 + "/servers", V1 + "/servers?dryRun=true", V1 + "/servers/" + serverId + "/build");
    }

    Stream<org.junit.jupiter.params.provider.Arguments> malformedBodies() {
        List<org.junit.jupiter.params.provider.Arguments> out = new ArrayList<>();
        for (String path : postRoutes().toList()) {
            for (String body : List.of("{", "{\"name\":}", "name=x&email=y", "{'name':'x'}", "[1,2", "\"just a string\"", "42", "true",
                    "[1,2,3]", "{\"a\":1}{\"b\":2}x")) {
                out.add(args(path, body));
            }
        }
        return out.stream();
    }

    private static org.junit.jupiter.params.provider.Arguments args(Object... values) {
        return org.junit.jupiter.params.provider.Arguments.of(values);
    }

    private static String userBody(long ext) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("name", "User " + ext);
        fields.put("email", "user" + ext + "@example.com");
        fields.put("extRelationId", ext);
        try {
            return MAPPER.writeValueAsString(fields);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private void runQueue() {
        int ran = 0;
        while (ran < 50 && kiln.server().workers().runOnce("compatibility-test")) {
            ran++;
        }
    }

    private long latestQueueId(long server) {
        return kiln.server().database().jdbi().withHandle(h -> h.createQuery("SELECT MAX(id) FROM queue_item WHERE server_id = :id")
                .bind("id", server).mapTo(Long.class).one());
    }

    private static void assertPackageTypes(JsonNode p) {
        assertThat(p.path("id").isIntegralNumber()).as("id of " + p).isTrue();
        assertThat(p.path("name").isTextual()).as("name of " + p).isTrue();
        assertThat(p.path("enabled").isBoolean()).as("enabled of " + p).isTrue();
        for (String key : List.of("memory", "primaryStorage", "traffic", "cpuCores", "primaryNetworkSpeedIn", "primaryNetworkSpeedOut",
                "backupPlanId", "primaryStorageProfile", "primaryNetworkProfile")) {
            assertThat(p.path(key).isIntegralNumber()).as(key + " of " + p).isTrue();
        }
        assertThat(p.path("created").isTextual()).as("created of " + p).isTrue();
    }

    private static void assertPaginated(JsonNode page, int total) {
        for (String key : List.of("current_page", "per_page", "total", "last_page")) {
            assertThat(page.path(key).isIntegralNumber()).as(key).isTrue();
        }
        assertThat(page.path("total").asInt()).isEqualTo(total);
        assertThat(page.path("data").isArray()).isTrue();
        assertThat(page.path("data").size()).isEqualTo(total);
    }

    private static void assertHypervisorTypes(JsonNode h) {
        assertThat(h.path("id").isIntegralNumber()).as("id of " + h).isTrue();
        assertThat(h.path("name").isTextual()).as("name of " + h).isTrue();
        assertThat(h.path("maintenance").isBoolean()).as("maintenance of " + h).isTrue();
        assertThat(h.path("enabled").isBoolean()).as("enabled of " + h).isTrue();
        assertThat(h.path("maxMemory").isIntegralNumber()).as("maxMemory of " + h).isTrue();
        assertThat(h.path("group").path("id").isIntegralNumber()).as("group.id of " + h).isTrue();
    }

    private static void assertGroupTypes(JsonNode g) {
        assertThat(g.path("id").isIntegralNumber()).as("id of " + g).isTrue();
        assertThat(g.path("name").isTextual()).as("name of " + g).isTrue();
        assertThat(g.path("enabled").isBoolean()).as("enabled of " + g).isTrue();
        assertThat(g.path("default").isBoolean()).as("default of " + g).isTrue();
    }

    private static void assertTemplateGroupTypes(JsonNode groups) {
        assertThat(groups.isArray()).isTrue();
        assertThat(groups).isNotEmpty();
        for (JsonNode group : groups) {
            assertThat(group.path("id").isIntegralNumber()).as("id of " + group).isTrue();
            assertThat(group.path("name").isTextual()).as("name of " + group).isTrue();
            for (JsonNode t : group.path("templates")) {
                assertThat(t.path("id").isIntegralNumber()).as("id of " + t).isTrue();
                assertThat(t.path("arch").isIntegralNumber()).as("arch of " + t).isTrue();
                assertThat(t.path("deploy_type").isIntegralNumber()).as("deploy_type of " + t).isTrue();
                assertThat(t.path("eol").isBoolean()).as("eol of " + t).isTrue();
                assertThat(t.path("eol_warning").isBoolean()).as("eol_warning of " + t).isTrue();
                assertThat(t.path("vnc").isBoolean()).as("vnc of " + t).isTrue();
                assertThat(t.path("name").isTextual()).as("name of " + t).isTrue();
            }
        }
    }

    private static List<Long> templateIds(JsonNode groups) {
        List<Long> ids = new ArrayList<>();
        groups.forEach(g -> g.path("templates").forEach(t -> ids.add(t.path("id").asLong())));
        return ids;
    }
}
