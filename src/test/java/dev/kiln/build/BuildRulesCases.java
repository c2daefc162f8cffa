package dev.kiln.build;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.kiln.hypervisors.DomainStatus;
import dev.kiln.hypervisors.simulator.SimulatorDriver;
import dev.kiln.testing.Api;
import dev.kiln.testing.DatabaseKind;
import dev.kiln.testing.Fixtures;
import dev.kiln.testing.RawHttp;
import dev.kiln.testing.RowCounts;
import dev.kiln.testing.TestKiln;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The rules of {@code POST /servers/{id}/build}, each checked over HTTP against a real node.
 *
 * <p>The node runs without queue workers, so tests step the queue by hand: a queued build
 * stays queued until {@link #runQueue()} and every outcome is deterministic.
 *
 * <p>"No state change" means {@code GET /servers/{id}} shows the same state, name, hostname,
 * template, encrypted password, {@code updated} and SSH keys, the row's compare-and-set
 * version is the same, and no queue item was added (queue ids are sequential, so a new item
 * would raise the highest id).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class BuildRulesCases {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final String SERVERS = "/api/v1/servers/";
    private static final String WORKER = "build-rules-test";

    /** Templates of the test inventory: 1 to 3 are offered to package 1, template 4 only to package 2. */
    private static final long DEBIAN_12 = 1;
    private static final long UBUNTU_24 = 2;
    private static final long DEBIAN_11 = 3;
    private static final long ALMALINUX_9 = 4;

    private TestKiln kiln;
    private Api api;
    private Fixtures fixtures;

    /** Owner of every server here, with two SSH keys of its own. */
    private long owner;
    private long ownerKeyA;
    private long ownerKeyB;
    /** A key of another user, which the owner's servers must not accept. */
    private long foreignKey;

    /** Built and running. Many tests rebuild it, and each leaves it built again. */
    private long builtServer;
    /** Built, powered off, then suspended. */
    private long suspendedServer;
    /** Created and never built. Only tests that change nothing use it. */
    private long neverBuiltServer;

    abstract DatabaseKind database();

    @BeforeAll
    void startNode() {
        kiln = TestKiln.builder(database()).setting("workers", "0").start();
        api = kiln.api();
        fixtures = new Fixtures(api);

        owner = fixtures.user(3);
        ownerKeyA = fixtures.sshKey(owner, Fixtures.ED25519_A);
        ownerKeyB = fixtures.sshKey(owner, Fixtures.ED25519_B);
        long otherUser = fixtures.user(5);
        foreignKey = fixtures.sshKey(otherUser, Fixtures.ED25519_C);

        builtServer = fixtures.server(owner, 1);
        fixtures.build(builtServer, "{\"operatingSystemId\":1,\"hostname\":\"web1.example.com\"}");
        runQueue();

        suspendedServer = fixtures.server(owner, 1);
        fixtures.build(suspendedServer, "{\"operatingSystemId\":1,\"hostname\":\"held.example.com\"}");
        runQueue();
        simulatorOf(suspendedServer).powerOff(uuidOf(suspendedServer));
        // The flag is set in the database directly, so these cases do not depend on the suspend route and its queue item.
        kiln.server().database().jdbi().useHandle(h -> h.createUpdate("UPDATE server SET suspended = TRUE WHERE id = :id")
                .bind("id", suspendedServer).execute());

        neverBuiltServer = fixtures.server(owner, 1);
    }

    @AfterAll
    void stopNode() {
        if (kiln != null) {
            kiln.close();
        }
    }

    // C1: operatingSystemId is required, an integer, and numeric strings are allowed.

    @ParameterizedTest
    @ValueSource(strings = {"{\"hostname\":\"web1.example.com\"}", "{\"operatingSystemId\":null}", "{\"operatingSystemID\":1}"})
    void operatingSystemIdMissingRejected(String body) {
        for (long server : List.of(builtServer, neverBuiltServer)) {
            ServerState before = snapshot(server);

            Api.Response r = build(server, body);

            assertRejected(r, "operatingSystemId");
            assertThat(snapshot(server)).isEqualTo(before);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.5", "\"1abc\"", "true", "[1]", "\"\"", "1.0", "\"1.0\"", "\" 1\"", "{\"id\":1}", "0", "-1"})
    void operatingSystemIdWrongTypeRejected(String value) {
        ServerState before = snapshot(builtServer);

        Api.Response r = build(builtServer, "{\"operatingSystemId\":" + value + "}");

        assertRejected(r, "operatingSystemId");
        assertThat(snapshot(builtServer)).isEqualTo(before);
    }

    @Test
    void operatingSystemIdNumericStringAccepted() {
        Api.Response r = build(builtServer, "{\"operatingSystemId\":\"2\"}");

        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.data().path("state").asText()).isEqualTo("queued");
        assertThat(r.data().path("settings").path("osTemplateInstallId").isIntegralNumber()).isTrue();
        assertThat(r.data().path("settings").path("osTemplateInstallId").asLong()).isEqualTo(UBUNTU_24);
        runQueue();
        assertThat(get(builtServer).path("state").asText()).isEqualTo("complete");
    }

    // C2: name is a free label, hostname is strict, the guest's hostname fits in 64 bytes.

    @ParameterizedTest
    @MethodSource("exactNames")
    void nameStoredExactly(String name) {
        Api.Response r = build(builtServer, json("operatingSystemId", DEBIAN_12, "name", name));

        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.data().path("name").asText()).isEqualTo(name);
        assertThat(get(builtServer).path("name").asText()).isEqualTo(name);
        runQueue();
        assertThat(get(builtServer).path("name").asText()).isEqualTo(name);
    }

    Stream<String> exactNames() {
        return Stream.of(
                "Ünïcødé Sérvér — 東京 🚀 MiXeD",
                "web server 1",
                "😀".repeat(BuildRequest.NAME_MAX),
                "a".repeat(BuildRequest.NAME_MAX));
    }

    @ParameterizedTest
    @ValueSource(strings = {"\u0000", "nul\u0000inside", "tab\there", "line\nbreak", "carriage\rreturn", "del\u007f", "c1\u0085control",
            "escape\u001b[31m"})
    void nameControlCharactersRejected(String name) {
        ServerState before = snapshot(builtServer);

        Api.Response r = build(builtServer, json("operatingSystemId", DEBIAN_12, "name", name));

        assertRejected(r, "name");
        assertThat(snapshot(builtServer)).isEqualTo(before);
    }

    @ParameterizedTest
    @MethodSource("overlongNames")
    void nameTooLongRejected(String name) {
        ServerState before = snapshot(builtServer);

        Api.Response r = build(builtServer, json("operatingSystemId", DEBIAN_12, "name", name));

        assertRejected(r, "name");
        assertThat(snapshot(builtServer)).isEqualTo(before);
    }

    Stream<String> overlongNames() {
        return Stream.of("a".repeat(BuildRequest.NAME_MAX + 1), "😀".repeat(BuildRequest.NAME_MAX + 1), "x".repeat(100_000));
    }

    @ParameterizedTest
    @MethodSource("validHostnames")
    void hostnameValidAccepted(String hostname) {
        Api.Response r = build(builtServer, json("operatingSystemId", DEBIAN_12, "hostname", hostname));

        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.data().path("hostname").asText()).isEqualTo(hostname);
        runQueue();
        assertThat(get(builtServer).path("hostname").asText()).isEqualTo(hostname);
    }

    Stream<String> validHostnames() {
        return Stream.of(
                "web1.example.com",
                "1host.example.com",
                "123.example.com",
                "localhost",
                "a",
                "x-y.z--1.example",
                "MiXeD.Example.COM",
                "a".repeat(63) + ".example.com",
                maxLengthHostname());
    }

    @Test
    void emptyHostnameKeepsCurrent() {
        String current = get(builtServer).path("hostname").asText();

        Api.Response r = build(builtServer, json("operatingSystemId", DEBIAN_12, "hostname", "", "name", ""));

        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.data().path("hostname").asText()).isEqualTo(current);
        runQueue();
    }

    @Test
    void leadingZeroIdRejected() {
        ServerState before = snapshot(neverBuiltServer);

        Api.Response r = build(neverBuiltServer, "{\"operatingSystemId\":\"01\"}");

        assertRejected(r, "operatingSystemId");
        assertThat(snapshot(neverBuiltServer)).isEqualTo(before);
    }

    @ParameterizedTest
    @MethodSource("invalidHostnames")
    void hostnameInvalidRejected(String hostname) {
        ServerState before = snapshot(builtServer);

        Api.Response r = build(builtServer, json("operatingSystemId", DEBIAN_12, "hostname", hostname));

        assertRejected(r, "hostname");
        assertThat(snapshot(builtServer)).isEqualTo(before);
    }

    Stream<String> invalidHostnames() {
        return Stream.of(
                "under_score.example.com",
                "a..b.example.com",
                ".leading.example.com",
                "trailing.example.com..",
                "-lead.example.com",
                "trail-.example.com",
                "has space.example.com",
                " web1.example.com",
                "bücher.example.com",
                "東京.example.com",
                "a".repeat(64) + ".example.com",
                maxLengthHostname() + "a",
                "host/name.example.com",
                "host:8080",
                "nul\u0000.example.com");
    }

    @Test
    void guestHostnameFitsIn64Bytes() throws IOException {
        String fqdn = maxLengthHostname();
        build200(builtServer, json("operatingSystemId", DEBIAN_12, "hostname", fqdn));
        runQueue();

        JsonNode metaData = seedDocument(builtServer, "meta-data");
        JsonNode userData = seedDocument(builtServer, "user-data");

        String guest = metaData.path("local-hostname").asText();
        assertThat(guest.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(64);
        assertThat(guest).isEqualTo(fqdn.split("\\.")[0]);
        assertThat(userData.path("fqdn").asText()).isEqualTo(fqdn);
    }

    @Test
    void guestHostnameShortKeptWhole() throws IOException {
        build200(builtServer, json("operatingSystemId", DEBIAN_12, "hostname", "web1.example.com"));
        runQueue();

        assertThat(seedDocument(builtServer, "meta-data").path("local-hostname").asText()).isEqualTo("web1.example.com");
        assertThat(seedDocument(builtServer, "user-data").path("fqdn").asText()).isEqualTo("web1.example.com");
    }

    // C3: templates.

    @ParameterizedTest
    @ValueSource(longs = {ALMALINUX_9, 999, Long.MAX_VALUE})
    void templateUnknownOrNotOfferedRejected(long templateId) {
        for (long server : List.of(builtServer, neverBuiltServer)) {
            ServerState before = snapshot(server);

            Api.Response r = build(server, json("operatingSystemId", templateId));

            assertRejected(r, "operatingSystemId");
            assertThat(snapshot(server)).isEqualTo(before);
        }
    }

    @Test
    void templateOfPackageTwoAccepted() {
        long large = fixtures.server(owner, 2);

        Api.Response r = build(large, json("operatingSystemId", ALMALINUX_9));

        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        runQueue();
        assertThat(get(large).path("commissionStatus").asInt()).isEqualTo(3);
        assertThat(get(large).path("os").path("templateId").asLong()).isEqualTo(ALMALINUX_9);
    }

    @Test
    void rebuildSameTemplateAccepted() {
        build200(builtServer, json("operatingSystemId", DEBIAN_12));
        runQueue();

        Api.Response r = build(builtServer, json("operatingSystemId", DEBIAN_12));

        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        runQueue();
        assertThat(get(builtServer).path("state").asText()).isEqualTo("complete");
        assertThat(get(builtServer).path("buildFailed").asBoolean()).isFalse();
    }

    @Test
    void rebuildAfterTemplateRemovedAccepted() {
        long server = fixtures.server(owner, 1);
        build200(server, json("operatingSystemId", DEBIAN_11));
        runQueue();
        // The inventory removes a template from the catalog by disabling it; this does the same.
        setTemplateEnabled(DEBIAN_11, false);
        try {
            assertThat(api.get(SERVERS + server).status()).isEqualTo(200);
            assertRejected(build(server, json("operatingSystemId", DEBIAN_11)), "operatingSystemId");

            Api.Response r = build(server, json("operatingSystemId", UBUNTU_24));

            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            runQueue();
            assertThat(get(server).path("state").asText()).isEqualTo("complete");
            assertThat(get(server).path("settings").path("osTemplateInstallId").asLong()).isEqualTo(UBUNTU_24);
        } finally {
            setTemplateEnabled(DEBIAN_11, true);
        }
    }

    @Test
    void firstBuildCompletes() {
        long server = fixtures.server(owner, 1);
        assertThat(get(server).path("commissionStatus").asInt()).isEqualTo(0);

        Api.Response r = build(server, json("operatingSystemId", DEBIAN_12, "hostname", "first.example.com"));

        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        runQueue();
        JsonNode built = get(server);
        assertThat(built.path("commissionStatus").asInt()).isEqualTo(3);
        assertThat(built.path("state").asText()).isEqualTo("complete");
        assertThat(built.path("built").isTextual()).isTrue();
        assertThat(simulatorOf(server).status(uuidOf(server))).isEqualTo(DomainStatus.RUNNING);
    }

    // C4: SSH keys.

    @Test
    void rebuildReplacesSshKeys() throws IOException {
        build200(builtServer, json("operatingSystemId", DEBIAN_12, "sshKeys", List.of(ownerKeyA, ownerKeyB)));
        assertThat(sshKeyIds(builtServer)).containsExactlyInAnyOrder(ownerKeyA, ownerKeyB);
        runQueue();

        build200(builtServer, json("operatingSystemId", DEBIAN_12, "sshKeys", List.of(ownerKeyB)));
        assertThat(sshKeyIds(builtServer)).containsExactly(ownerKeyB);
        runQueue();
        assertThat(sshKeyIds(builtServer)).containsExactly(ownerKeyB);
        JsonNode installed = seedDocument(builtServer, "user-data").path("users").get(0).path("ssh_authorized_keys");
        assertThat(texts(installed)).containsExactly(Fixtures.ED25519_B);

        build200(builtServer, json("operatingSystemId", DEBIAN_12, "sshKeys", null));
        assertThat(sshKeyIds(builtServer)).isEmpty();
        runQueue();

        build200(builtServer, json("operatingSystemId", DEBIAN_12, "sshKeys", List.of(ownerKeyA)));
        runQueue();
        build200(builtServer, json("operatingSystemId", DEBIAN_12));
        assertThat(sshKeyIds(builtServer)).isEmpty();
        runQueue();
        assertThat(seedDocument(builtServer, "user-data").path("users").get(0).path("ssh_authorized_keys").isEmpty()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"[KEY_FOREIGN]", "[KEY_A, KEY_FOREIGN]", "[999999]", "[-1]", "\"KEY_A\"", "KEY_A", "[\"abc\"]", "[1.5]",
            "[[1]]", "{\"0\":1}", "true"})
    void sshKeysInvalidRejected(String keys) {
        String value = keys.replace("KEY_FOREIGN", Long.toString(foreignKey)).replace("KEY_A", Long.toString(ownerKeyA));
        ServerState before = snapshot(builtServer);

        Api.Response r = build(builtServer, "{\"operatingSystemId\":1,\"sshKeys\":" + value + "}");

        assertRejected(r, "sshKeys");
        assertThat(snapshot(builtServer)).isEqualTo(before);
    }

    // C5: swap.

    @ParameterizedTest
    @MethodSource("allowedSwap")
    void swapAllowedValuesAccepted(String value, long expectedMib) throws IOException {
        build200(builtServer, "{\"operatingSystemId\":1,\"swap\":" + value + "}");
        runQueue();

        JsonNode swap = seedDocument(builtServer, "user-data").path("swap");
        assertThat(swap.path("size").asLong()).isEqualTo(expectedMib * 1024 * 1024);
    }

    Stream<Arguments> allowedSwap() {
        return Stream.of(
                Arguments.of("256", 256), Arguments.of("\"256\"", 256), Arguments.of("512", 512), Arguments.of("768", 768),
                Arguments.of("1", 1024), Arguments.of("1.5", 1536), Arguments.of("\"1.5\"", 1536), Arguments.of("2", 2048),
                Arguments.of("3", 3072), Arguments.of("4", 4096), Arguments.of("5", 5120), Arguments.of("6", 6144),
                Arguments.of("8", 8192), Arguments.of("\"8\"", 8192), Arguments.of("2.0", 2048));
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "7", "9", "1024", "2.5", "-1", "-512", "\"abc\"", "\"1.5GB\"", "true", "[512]", "100000",
            "1e400", "-1e400", "1e-400", "99999999999999999999999"})
    void swapOtherValuesRejected(String value) {
        ServerState before = snapshot(builtServer);

        Api.Response r = build(builtServer, "{\"operatingSystemId\":1,\"swap\":" + value + "}");

        assertRejected(r, "swap");
        assertThat(snapshot(builtServer)).isEqualTo(before);
    }

    @Test
    void swapRebuildReplacesValue() throws IOException {
        build200(builtServer, "{\"operatingSystemId\":1,\"swap\":2}");
        runQueue();
        build200(builtServer, "{\"operatingSystemId\":1,\"swap\":512}");
        runQueue();

        assertThat(seedDocument(builtServer, "user-data").path("swap").path("size").asLong()).isEqualTo(512L * 1024 * 1024);

        build200(builtServer, "{\"operatingSystemId\":1}");
        runQueue();

        assertThat(seedDocument(builtServer, "user-data").has("swap")).isFalse();
    }

    // C6: suspended and stopped servers. Kiln refuses a build on a suspended server with 423.

    @Test
    void suspendedServerBuildLocked() {
        ServerState before = snapshot(suspendedServer);

        Api.Response r = build(suspendedServer, json("operatingSystemId", DEBIAN_12));

        assertThat(r.status()).as(r.toString()).isEqualTo(423);
        assertThat(r.json().path("msg").isTextual()).isTrue();
        assertThat(r.json().path("msg").asText()).contains("suspended");
        assertThat(snapshot(suspendedServer)).isEqualTo(before);
        assertThat(get(suspendedServer).path("suspended").asBoolean()).isTrue();
        assertThat(simulatorOf(suspendedServer).status(uuidOf(suspendedServer))).isEqualTo(DomainStatus.SHUTOFF);
    }

    @Test
    void stoppedServerBuildAccepted() {
        simulatorOf(builtServer).powerOff(uuidOf(builtServer));

        Api.Response r = build(builtServer, json("operatingSystemId", DEBIAN_12));

        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        runQueue();
        assertThat(get(builtServer).path("state").asText()).isEqualTo("complete");
        assertThat(simulatorOf(builtServer).status(uuidOf(builtServer))).isEqualTo(DomainStatus.RUNNING);
    }

    // C7: protocol.

    @Test
    void buildReturns200Queued() {
        Api.Response r = build(builtServer, json("operatingSystemId", DEBIAN_12));

        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        JsonNode data = r.data();
        assertThat(data.path("state").asText()).isEqualTo("queued");
        assertThat(data.path("commissionStatus").isIntegralNumber()).isTrue();
        assertThat(data.path("commissionStatus").asInt()).isEqualTo(1);
        String password = data.path("settings").path("decryptedPassword").asText();
        assertThat(password).hasSize(20);
        assertThat(password).matches("[A-Za-z0-9]{20}");

        Api.Response after = api.get(SERVERS + builtServer);
        assertThat(after.data().path("settings").has("decryptedPassword")).isFalse();
        assertThat(after.body()).doesNotContain(password);
        runQueue();
        assertThat(api.get(SERVERS + builtServer).body()).doesNotContain(password);
    }

    @Test
    void secondBuildWhileQueuedLocked() {
        build200(builtServer, json("operatingSystemId", DEBIAN_12));
        ServerState queued = snapshot(builtServer);

        Api.Response second = build(builtServer, json("operatingSystemId", UBUNTU_24, "name", "second"));

        assertThat(second.status()).as(second.toString()).isEqualTo(423);
        assertThat(second.json().path("msg").isTextual()).isTrue();
        assertThat(snapshot(builtServer)).isEqualTo(queued);
        assertThat(RowCounts.count(kiln, "queue_item WHERE server_id = " + builtServer + " AND status = 'queued'")).isEqualTo(1);
        runQueue();
        assertThat(get(builtServer).path("state").asText()).isEqualTo("complete");
    }

    @ParameterizedTest
    @ValueSource(strings = {"{", "{\"operatingSystemId\":}", "operatingSystemId=1", "{'operatingSystemId':1}", "{\"operatingSystemId\":1",
            "\"operatingSystemId\"", "nul\u0000", "{\"operatingSystemId\":1} garbage",
            "{\"operatingSystemId\":1}{\"operatingSystemId\":2}", "{\"operatingSystemId\":1}}"})
    void malformedJsonRejected(String body) {
        ServerState before = snapshot(builtServer);

        Api.Response r = build(builtServer, body);

        assertThat(r.status()).as(r.toString()).isIn(400, 422);
        assertThat(r.contentType()).startsWith("application/json");
        assertThat(r.json().isObject()).isTrue();
        assertThat(snapshot(builtServer)).isEqualTo(before);
    }

    @ParameterizedTest
    @ValueSource(strings = {"text/html", "application/xml", "*/*", "text/plain", "application/json, */*"})
    void jsonWhateverAccept(String accept) {
        Api.Response rejected = api.send("POST", SERVERS + builtServer + "/build", "{\"operatingSystemId\":\"x\"}",
                Map.of("Content-Type", "application/json", "Accept", accept));
        Api.Response unknown = api.send("POST", SERVERS + "999999/build", "{\"operatingSystemId\":1}",
                Map.of("Content-Type", "application/json", "Accept", accept));
        Api.Response accepted = api.send("POST", SERVERS + builtServer + "/build", "{\"operatingSystemId\":1}",
                Map.of("Content-Type", "application/json", "Accept", accept));
        runQueue();

        assertThat(rejected.status()).isEqualTo(422);
        assertThat(rejected.contentType()).startsWith("application/json");
        assertThat(rejected.json().path("errors").isArray()).isTrue();
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.contentType()).startsWith("application/json");
        assertThat(unknown.json().path("msg").asText()).isEqualTo("server not found");
        assertThat(accepted.status()).as(accepted.toString()).isEqualTo(200);
        assertThat(accepted.contentType()).startsWith("application/json");
    }

    @ParameterizedTest
    @ValueSource(strings = {"application/json; charset=utf-8", "application/json;charset=UTF-8", "APPLICATION/JSON", "text/plain"})
    void contentTypeVariantsAccepted(String contentType) {
        Api.Response r = api.send("POST", SERVERS + builtServer + "/build", "{\"operatingSystemId\":1}",
                Map.of("Content-Type", contentType));

        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        runQueue();
    }

    @Test
    void headerNamesAnyCaseAccepted() {
        RawHttp raw = new RawHttp(kiln.server().port());
        byte[] body = "{\"operatingSystemId\":1}".getBytes(StandardCharsets.UTF_8);

        Api.Response lower = raw.send("POST", SERVERS + builtServer + "/build",
                Map.of("authorization", "Bearer " + TestKiln.TOKEN, "content-type", "application/json"), body);
        runQueue();
        Api.Response upper = raw.send("POST", SERVERS + builtServer + "/build",
                Map.of("AUTHORIZATION", "Bearer " + TestKiln.TOKEN, "CONTENT-TYPE", "application/json"), body);
        runQueue();

        assertThat(lower.status()).as(lower.toString()).isEqualTo(200);
        assertThat(upper.status()).as(upper.toString()).isEqualTo(200);
    }

    @ParameterizedTest
    @ValueSource(strings = {"bearer TOKEN", "bearer    TOKEN", "BEARER TOKEN", "Bearer TOKEN   "})
    void bearerSchemeLenientAccepted(String header) {
        Api.Response r = api.send("POST", SERVERS + builtServer + "/build", "{\"operatingSystemId\":1}",
                Map.of("Content-Type", "application/json", "Authorization", header.replace("TOKEN", TestKiln.TOKEN)));

        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        runQueue();
    }

    @ParameterizedTest
    @MethodSource("garbageAuthorization")
    void garbageAuthorizationRejected(String header) {
        ServerState before = snapshot(builtServer);

        Api.Response r = api.send("POST", SERVERS + builtServer + "/build", "{\"operatingSystemId\":1}",
                Map.of("Content-Type", "application/json", "Authorization", header));

        assertThat(r.status()).as(r.toString()).isEqualTo(401);
        assertThat(r.contentType()).startsWith("application/json");
        assertThat(r.json().isObject()).isTrue();
        assertThat(snapshot(builtServer)).isEqualTo(before);
    }

    Stream<String> garbageAuthorization() {
        return Stream.of("garbage", "Bearer", "Bearer ", "Bearer wrong-token", "Basic dXNlcjpwYXNz", "Token " + TestKiln.TOKEN,
                TestKiln.TOKEN, "Bearer " + "x".repeat(600), "Bearer " + TestKiln.TOKEN + "x", "Bearer " + TestKiln.TOKEN + " extra",
                "Bearer\u00e9" + TestKiln.TOKEN);
    }

    @Test
    void missingAuthorizationRejected() {
        ServerState before = snapshot(builtServer);

        Api.Response r = api.send("POST", SERVERS + builtServer + "/build", "{\"operatingSystemId\":1}",
                Map.of("Content-Type", "application/json", "Authorization", ""));

        assertThat(r.status()).isEqualTo(401);
        assertThat(r.contentType()).startsWith("application/json");
        assertThat(snapshot(builtServer)).isEqualTo(before);
    }

    // Helpers.

    /** What "no state change" compares; see the class comment. */
    record ServerState(String state, int commissionStatus, String name, String hostname, long templateId, String encryptedPassword,
            String updated, List<Long> sshKeyIds, boolean suspended, long version, long lastQueueId, long queueItems) {
    }

    private ServerState snapshot(long serverId) {
        JsonNode s = get(serverId);
        long version = kiln.server().database().jdbi().withHandle(h -> h.createQuery("SELECT version FROM server WHERE id = :id")
                .bind("id", serverId).mapTo(Long.class).one());
        long lastQueueId = kiln.server().database().jdbi().withHandle(h -> h.createQuery("SELECT COALESCE(MAX(id), 0) FROM queue_item")
                .mapTo(Long.class).one());
        return new ServerState(s.path("state").asText(), s.path("commissionStatus").asInt(), s.path("name").asText(),
                s.path("hostname").isNull() ? null : s.path("hostname").asText(), s.path("settings").path("osTemplateInstallId").asLong(),
                s.path("settings").path("encryptedPassword").asText(), s.path("updated").asText(), sshKeyIds(serverId),
                s.path("suspended").asBoolean(), version, lastQueueId, RowCounts.count(kiln, "queue_item"));
    }

    private static void assertRejected(Api.Response r, String field) {
        assertThat(r.status()).as(r.toString()).isEqualTo(422);
        assertThat(r.contentType()).startsWith("application/json");
        JsonNode errors = r.json().path("errors");
        assertThat(errors.isArray()).as(r.toString()).isTrue();
        assertThat(errors).isNotEmpty();
        assertThat(errors).allMatch(JsonNode::isTextual);
        assertThat(texts(errors)).as(r.toString()).anyMatch(e -> e.contains(field));
    }

    private Api.Response build(long serverId, String body) {
        return api.post(SERVERS + serverId + "/build", body);
    }

    private JsonNode build200(long serverId, String body) {
        Api.Response r = build(serverId, body);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.data();
    }

    private JsonNode get(long serverId) {
        Api.Response r = api.get(SERVERS + serverId);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.data();
    }

    /** Runs every queued item on the test thread (at most 50, so a bug cannot loop forever). */
    private void runQueue() {
        int ran = 0;
        while (ran < 50 && kiln.server().workers().runOnce(WORKER)) {
            ran++;
        }
    }

    private List<Long> sshKeyIds(long serverId) {
        List<Long> ids = new ArrayList<>();
        get(serverId).path("sshKeys").forEach(k -> ids.add(k.path("id").asLong()));
        return ids;
    }

    private String uuidOf(long serverId) {
        return get(serverId).path("uuid").asText();
    }

    private SimulatorDriver simulatorOf(long serverId) {
        return kiln.simulator(get(serverId).path("hypervisorId").asLong());
    }

    /** Parses one file of the cloud-init seed that the simulator received for the server's latest build. */
    private JsonNode seedDocument(long serverId, String file) throws IOException {
        Map<String, byte[]> seed = simulatorOf(serverId).seed(uuidOf(serverId));
        assertThat(seed).containsKey(file);
        return YAML.readTree(seed.get(file));
    }

    private void setTemplateEnabled(long templateId, boolean enabled) {
        kiln.server().database().jdbi().useHandle(h -> h.createUpdate("UPDATE os_template SET enabled = :enabled WHERE id = :id")
                .bind("enabled", enabled).bind("id", templateId).execute());
    }

    /** Returns the longest hostname RFC 1123 allows, 253 characters: three 63-character labels and one of 61. */
    private static String maxLengthHostname() {
        return "a".repeat(63) + "." + "b".repeat(63) + "." + "c".repeat(63) + "." + "d".repeat(61);
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(e -> out.add(e.asText()));
        return out;
    }

    /** Writes alternating keys and values (null values included) as a JSON object. */
    private static String json(Object... keysAndValues) {
        Map<String, Object> fields = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            fields.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        try {
            return MAPPER.writeValueAsString(fields);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
