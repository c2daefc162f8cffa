package dev.kiln.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.testing.Api;
import dev.kiln.testing.DatabaseKind;
import dev.kiln.testing.Fixtures;
import dev.kiln.testing.RawHttp;
import dev.kiln.testing.RowCounts;
import dev.kiln.testing.TestKiln;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile but plain input on every VirtFusion route Kiln serves: wrong JSON types, huge and
 * negative numbers, ids that are not numbers, deeply nested JSON, bodies over 1 MB, bytes
 * that are not UTF-8 and NUL characters. Each request must return 4xx with a JSON body,
 * never 500, and write nothing (every table's row count and every server's version unchanged).
 *
 * <p>Every body is valid apart from its one hostile part, so a 4xx proves that part was
 * rejected. Requests go over a raw socket so that bodies can carry any bytes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class BadInputCases {

    private static final String V1 = "/api/v1";

    /** extRelationIds of the users that the bodies below would create, one per body. */
    private final AtomicLong nextExtRelationId = new AtomicLong(5000);

    private TestKiln kiln;
    private RowCounts rows;
    private RawHttp raw;
    private long userId;
    private long userExtRelationId;
    private long serverId;

    abstract DatabaseKind database();

    @BeforeAll
    void startNode() {
        kiln = TestKiln.builder(database()).setting("workers", "0").start();
        raw = new RawHttp(kiln.server().port());
        rows = new RowCounts(kiln);
        Fixtures fixtures = new Fixtures(kiln.api());
        userExtRelationId = 42;
        userId = fixtures.user(userExtRelationId);
        fixtures.sshKey(userId, Fixtures.ED25519_A);
        serverId = fixtures.server(userId, 1);
    }

    @AfterAll
    void stopNode() {
        if (kiln != null) {
            kiln.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileRequests")
    void hostileInputReturns4xxJson(String label, String method, String path, byte[] body) {
        Map<String, Long> before = rows.snapshot();

        Api.Response r = send(method, path, body);
        Map<String, Long> after = rows.snapshot();
        // A build that was wrongly accepted would hold the server, and later cases would then get 423.
        runQueue();

        assertThat(r.status()).as(r.toString()).isBetween(400, 499);
        assertThat(r.contentType()).as(r.toString()).startsWith("application/json");
        assertThat(r.json().isObject()).as(r.toString()).isTrue();
        assertThat(after).isEqualTo(before);
    }

    /** Checks the table above: each POST route accepts its body while nothing in it is hostile. */
    @Test
    void validBodiesAccepted() {
        for (Map.Entry<String, Supplier<Map<String, String>>> route : validBodies().entrySet()) {
            Api.Response r = send("POST", route.getKey(), utf8(object(route.getValue().get())));
            runQueue();

            assertThat(r.status()).as(route.getKey() + " " + r).isIn(200, 201);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileQueries")
    void hostileQueryNever500(String label, String path) {
        Map<String, Long> before = rows.snapshot();

        Api.Response r = send("GET", path, null);

        assertThat(r.status()).as(r.toString()).isLessThan(500);
        assertThat(r.contentType()).as(r.toString()).startsWith("application/json");
        assertThat(r.json()).as(r.toString()).isNotNull();
        assertThat(rows.snapshot()).isEqualTo(before);
    }

    Stream<Arguments> hostileRequests() {
        List<Arguments> out = new ArrayList<>();
        pathIds(out);
        userBodies(out);
        sshKeyBodies(out);
        serverBodies(out);
        buildBodies(out);
        everyPostRoute(out);
        return out.stream();
    }

    Stream<Arguments> hostileQueries() {
        String server = V1 + "/servers/" + serverId;
        return Stream.of(
                Arguments.of("remoteState NUL", server + "?remoteState=%00"),
                Arguments.of("remoteState not UTF-8", server + "?remoteState=%FF%FE"),
                Arguments.of("remoteState huge", server + "?remoteState=" + "1".repeat(5000)),
                Arguments.of("page negative", V1 + "/compute/hypervisors?page=-1&results=-1"),
                Arguments.of("page huge", V1 + "/compute/hypervisors?page=99999999999999999999&results=1e9"),
                Arguments.of("page past the end", V1 + "/compute/hypervisors/groups?page=2147483647"),
                Arguments.of("results not a number", V1 + "/compute/hypervisors/groups?results=%00"),
                Arguments.of("relStr NUL value", V1 + "/users/" + userExtRelationId + "/byExtRelation?relStr=%00"),
                Arguments.of("repeated parameter", server + "?remoteState=true&remoteState=false&remoteState[]=1"));
    }

    /** Ids that are negative, zero, too large, not numbers, NUL or not UTF-8, on every route with an id. */
    private void pathIds(List<Arguments> out) {
        List<String> templates = List.of(
                "GET " + V1 + "/packages/{id}",
                "GET " + V1 + "/compute/hypervisors/{id}",
                "GET " + V1 + "/compute/hypervisors/groups/{id}",
                "GET " + V1 + "/media/templates/fromServerPackageSpec/{id}",
                "GET " + V1 + "/servers/{id}/templates",
                "GET " + V1 + "/users/{id}/byExtRelation",
                "GET " + V1 + "/users/{id}/byExtRelation?relStr=true",
                "GET " + V1 + "/ssh_keys/{id}",
                "GET " + V1 + "/ssh_keys/user/{id}",
                "GET " + V1 + "/servers/{id}",
                "GET " + V1 + "/queue/{id}",
                "POST " + V1 + "/servers/{id}/build");
        List<String> ids = List.of("-1", "0", "abc", "1.5", "1e3", "0x1", "99999999999999999999", "9223372036854775808",
                "-9223372036854775808", "%00", "1%00", "%FF", "%C3%28", "%EF%BC%91", "1;drop", "%20", "null", "undefined", "NaN");
        for (String template : templates) {
            String method = template.substring(0, template.indexOf(' '));
            String path = template.substring(template.indexOf(' ') + 1);
            byte[] body = method.equals("POST") ? utf8("{\"operatingSystemId\":1}") : null;
            for (String id : ids) {
                out.add(Arguments.of(method + " " + path.replace("{id}", id), method, path.replace("{id}", id), body));
            }
        }
    }

    private void userBodies(List<Arguments> out) {
        Map<String, List<String>> hostile = new LinkedHashMap<>();
        hostile.put("name", List.of("123", "true", "[]", "{}", "\"\"", "\"   \"", json("a".repeat(256)), "\"\\u0000\"", "\"x\\u0000y\"",
                "\"tab\\tname\"", "\"\\ud800\""));
        hostile.put("email", List.of("\"not-an-email\"", "5", "\"a@b\"", "\"a\\u0000b@example.com\"", "\"a b@example.com\"",
                json("x".repeat(300) + "@example.com"), "\"user@exa\\u0000mple.com\"", "\"\\ud800@example.com\""));
        hostile.put("extRelationId", List.of("-1", "\"abc\"", "1.5", "1e400", "99999999999999999999", "true", "[1]", "\"9223372036854775808\"",
                "{\"id\":1}"));
        hostile.put("relStr", List.of("5", "\"x\\u0000y\"", json("r".repeat(256)), "[\"a\"]"));
        hostile.put("selfService", List.of("9", "-1", "\"x\"", "1e400"));
        hostile.put("sendMail", List.of("\"maybe\"", "2", "[]"));
        for (Map.Entry<String, List<String>> field : hostile.entrySet()) {
            for (String value : field.getValue()) {
                Map<String, String> body = userBody();
                body.put(field.getKey(), value);
                out.add(Arguments.of("POST /users " + field.getKey() + "=" + abbreviate(value), "POST", V1 + "/users", utf8(object(body))));
            }
        }
    }

    private void sshKeyBodies(List<Arguments> out) {
        String ed25519Body = Fixtures.ED25519_A.split(" ")[1];
        Map<String, List<String>> hostile = new LinkedHashMap<>();
        hostile.put("userId", List.of("-1", "0", "999999", "\"abc\"", "1e400", "99999999999999999999", "[" + userId + "]", "null", "1.5"));
        hostile.put("name", List.of("5", "\"\"", "\"\\u0000\"", json("n".repeat(256)), "{}"));
        hostile.put("publicKey", List.of("\"\"", "\"ssh-ed25519\"", "\"ssh-ed25519 !!!notbase64\"", "\"ssh-ed25519 AAAA\"",
                json(Fixtures.ED25519_A + "\u0000"), json(Fixtures.ED25519_A + "\nssh-ed25519 " + ed25519Body), json("x".repeat(9000)), "5",
                json("ssh-rsa " + ed25519Body), json("ssh-ed25519 " + ed25519Body.substring(0, 20) + "\u0000" + ed25519Body.substring(20)),
                "[\"ssh-ed25519\"]"));
        for (Map.Entry<String, List<String>> field : hostile.entrySet()) {
            for (String value : field.getValue()) {
                Map<String, String> body = new LinkedHashMap<>();
                body.put("userId", Long.toString(userId));
                body.put("name", "\"key\"");
                body.put("publicKey", json(Fixtures.ED25519_B));
                body.put(field.getKey(), value);
                out.add(Arguments.of("POST /ssh_keys " + field.getKey() + "=" + abbreviate(value), "POST", V1 + "/ssh_keys", utf8(object(body))));
            }
        }
    }

    private void serverBodies(List<Arguments> out) {
        Map<String, List<String>> hostile = new LinkedHashMap<>();
        hostile.put("packageId", List.of("-1", "0", "999", "\"abc\"", "1.5", "99999999999999999999", "true", "[1]"));
        hostile.put("userId", List.of("-1", "999999", "\"x\"", "1e400"));
        hostile.put("hypervisorId", List.of("2", "999", "-1", "\"\"", "{}"));
        hostile.put("ipv4", List.of("-1", "65", "100000", "\"x\"", "1.5", "9223372036854775807"));
        hostile.put("memory", List.of("0", "127", "99999999999", "-5", "\"lots\"", "4194304"));
        hostile.put("cpuCores", List.of("0", "513", "-1", "512"));
        hostile.put("storage", List.of("0", "100001", "100000"));
        hostile.put("traffic", List.of("-1", "1e400"));
        hostile.put("networkSpeedInbound", List.of("-1", "\"fast\""));
        hostile.put("networkSpeedOutbound", List.of("99999999999999"));
        for (String path : List.of(V1 + "/servers", V1 + "/servers?dryRun=true")) {
            for (Map.Entry<String, List<String>> field : hostile.entrySet()) {
                for (String value : field.getValue()) {
                    Map<String, String> body = serverBody();
                    body.put(field.getKey(), value);
                    out.add(Arguments.of("POST " + path.substring(V1.length()) + " " + field.getKey() + "=" + abbreviate(value), "POST", path,
                            utf8(object(body))));
                }
            }
        }
    }

    private void buildBodies(List<Arguments> out) {
        Map<String, List<String>> hostile = new LinkedHashMap<>();
        hostile.put("operatingSystemId", List.of("-1", "0", "4", "999", "9223372036854775807", "99999999999999999999", "1e400", "\"1\\u0000\"",
                "{}"));
        hostile.put("name", List.of("5", "\"\\u0000\"", json("n".repeat(256)), "[]", "\"\\ud800\""));
        hostile.put("hostname", List.of("5", "\"a\\u0000b\"", json("h".repeat(64)), "\"\\ud800.example.com\"", "[]"));
        hostile.put("sshKeys", List.of("[-1]", "[999999]", "[99999999999999999999]", "[1e400]", "[\"\\u0000\"]", nested(500), "\"1,2\""));
        hostile.put("swap", List.of("1e400", "-1e400", "1e-400", "99999999999999999999999", "\"NaN\"", "\"Infinity\"", "-0.0", "[]"));
        hostile.put("vnc", List.of("\"maybe\"", "2"));
        hostile.put("ipv6", List.of("-1", "{}"));
        hostile.put("email", List.of("\"\\u0000\"", "1.5"));
        for (Map.Entry<String, List<String>> field : hostile.entrySet()) {
            for (String value : field.getValue()) {
                Map<String, String> body = new LinkedHashMap<>();
                body.put("operatingSystemId", "1");
                body.put(field.getKey(), value);
                out.add(Arguments.of("POST /servers/{id}/build " + field.getKey() + "=" + abbreviate(value), "POST",
                        V1 + "/servers/" + serverId + "/build", utf8(object(body))));
            }
        }
    }

    /** Nesting, size and encoding attacks, each on every POST route, inside an otherwise valid body. */
    private void everyPostRoute(List<Arguments> out) {
        for (Map.Entry<String, Supplier<Map<String, String>>> route : validBodies().entrySet()) {
            String path = route.getKey();
            Supplier<Map<String, String>> valid = route.getValue();
            String label = "POST " + path.replace(V1, "") + " ";
            String firstKey = valid.get().keySet().iterator().next();
            // POST /servers has no string field: an unknown key, which it would otherwise ignore, carries the strings.
            String stringKey = path.contains("/servers") && !path.contains("/build") ? "note" : "name";

            Map<String, String> deep = valid.get();
            deep.put("extra", nested(5000));
            out.add(Arguments.of(label + "nested 5000 deep", "POST", path, utf8(object(deep))));
            out.add(Arguments.of(label + "whole body nested 5000 deep", "POST", path, utf8(nested(5000))));
            Map<String, String> deepField = valid.get();
            deepField.put(firstKey, nested(800));
            out.add(Arguments.of(label + firstKey + " nested 800 deep", "POST", path, utf8(object(deepField))));

            Map<String, String> huge = valid.get();
            huge.put(stringKey, json("a".repeat(1_100_000)));
            out.add(Arguments.of(label + stringKey + " over 1 MB", "POST", path, utf8(object(huge))));
            Map<String, String> padded = valid.get();
            padded.put("padding", json("p".repeat(1_100_000)));
            out.add(Arguments.of(label + "unknown key over 1 MB", "POST", path, utf8(object(padded))));

            for (byte[] bad : List.of(new byte[] {(byte) 0xC3, 0x28}, new byte[] {(byte) 0xFF, (byte) 0xFE}, new byte[] {(byte) 0xC0, (byte) 0xAF},
                    new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, new byte[] {(byte) 0xE2, (byte) 0x82})) {
                out.add(Arguments.of(label + stringKey + " with bytes " + hex(bad), "POST", path, withRawBytes(valid.get(), stringKey, bad)));
            }
            out.add(Arguments.of(label + "raw NUL byte in a string", "POST", path, withRawBytes(valid.get(), stringKey, new byte[] {0})));
            out.add(Arguments.of(label + "raw NUL byte outside strings", "POST", path,
                    utf8(object(valid.get()).replaceFirst("\\{", "{\u0000"))));
        }
    }

    /** For each POST route, a source of bodies that the route accepts (a new user each time for POST /users). */
    private Map<String, Supplier<Map<String, String>>> validBodies() {
        Map<String, Supplier<Map<String, String>>> routes = new LinkedHashMap<>();
        routes.put(V1 + "/users", this::userBody);
        routes.put(V1 + "/ssh_keys", () -> {
            Map<String, String> key = new LinkedHashMap<>();
            key.put("userId", Long.toString(userId));
            key.put("name", "\"key\"");
            key.put("publicKey", json(Fixtures.ED25519_B));
            return key;
        });
        routes.put(V1 + "/servers", this::serverBody);
        routes.put(V1 + "/servers?dryRun=true", this::serverBody);
        routes.put(V1 + "/servers/" + serverId + "/build", () -> {
            Map<String, String> build = new LinkedHashMap<>();
            build.put("operatingSystemId", "1");
            build.put("name", "\"valid name\"");
            return build;
        });
        return routes;
    }

    private Api.Response send(String method, String path, byte[] body) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Authorization", "Bearer " + TestKiln.TOKEN);
        if (body != null) {
            headers.put("Content-Type", "application/json");
        }
        return raw.send(method, path, headers, body);
    }

    private void runQueue() {
        int ran = 0;
        while (ran < 50 && kiln.server().workers().runOnce("bad-input-test")) {
            ran++;
        }
    }

    /** Builds a body whose string field {@code key} has raw bytes in the middle of its JSON string. */
    private static byte[] withRawBytes(Map<String, String> fields, String key, byte[] bytes) {
        Map<String, String> marked = new LinkedHashMap<>(fields);
        marked.put(key, "\"bad MARK value\"");
        String[] parts = object(marked).split("MARK");
        return concat(concat(utf8(parts[0]), bytes), utf8(parts[1]));
    }

    private Map<String, String> userBody() {
        long ext = nextExtRelationId.getAndIncrement();
        Map<String, String> body = new LinkedHashMap<>();
        body.put("name", "\"Bad Input\"");
        body.put("email", json("bad" + ext + "@example.com"));
        body.put("extRelationId", Long.toString(ext));
        return body;
    }

    private Map<String, String> serverBody() {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("packageId", "1");
        body.put("userId", Long.toString(userId));
        body.put("hypervisorId", "1");
        return body;
    }

    /** Joins raw JSON values into a JSON object. */
    private static String object(Map<String, String> rawValues) {
        StringBuilder out = new StringBuilder("{");
        rawValues.forEach((k, v) -> out.append(out.length() > 1 ? "," : "").append(json(k)).append(':').append(v));
        return out.append('}').toString();
    }

    /** Quotes text as a JSON string literal. */
    private static String json(String text) {
        StringBuilder out = new StringBuilder("\"");
        text.chars().forEach(c -> {
            if (c == '"' || c == '\\') {
                out.append('\\').append((char) c);
            } else if (c < 0x20) {
                out.append(String.format("\\u%04x", c));
            } else {
                out.append((char) c);
            }
        });
        return out.append('"').toString();
    }

    /** Returns arrays nested {@code depth} deep around the number 1. */
    private static String nested(int depth) {
        return "[".repeat(depth) + "1" + "]".repeat(depth);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(a.length + b.length);
        out.writeBytes(a);
        out.writeBytes(b);
        return out.toByteArray();
    }

    private static String hex(byte[] bytes) {
        StringBuilder out = new StringBuilder();
        for (byte b : bytes) {
            out.append(String.format("%02X", b & 0xff));
        }
        return out.toString();
    }

    private static String abbreviate(String value) {
        String printable = value.replace("\u0000", "\\0").replace("\n", "\\n");
        return printable.length() > 40 ? printable.substring(0, 40) + "…" : printable;
    }
}
