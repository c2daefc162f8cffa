package dev.kiln.users;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.testing.Api;
import dev.kiln.testing.DatabaseKind;
import dev.kiln.testing.Fixtures;
import dev.kiln.testing.RowCounts;
import dev.kiln.testing.TestKiln;
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
 * Changes to users and SSH keys as billing modules make them: {@code PUT} and {@code DELETE
 * /users/{ext}/byExtRelation}, {@code POST /users/{ext}/byExtRelation/resetPassword} and
 * {@code DELETE /ssh_keys/{id}}, looked up by extRelationId or, with {@code ?relStr=true}, by
 * relation string. For each: the exact status, the stored effect seen through GET, 404 with
 * {@code ext_relation_id not found} for an unknown user, 422 for bad input and 409 for
 * conflicts. Rejected requests must write nothing. The queue has no workers; tests step it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class UserChangeCases {

    private static final String V1 = "/api/v1";
    private static final String USER_NOT_FOUND = "ext_relation_id not found";

    private final AtomicLong nextExtRelationId = new AtomicLong(100);

    private TestKiln kiln;
    private Api api;
    private Fixtures fixtures;

    abstract DatabaseKind database();

    @BeforeAll
    void startNode() {
        kiln = TestKiln.builder(database()).setting("workers", "0").start();
        api = kiln.api();
        fixtures = new Fixtures(api);
    }

    @AfterAll
    void stopNode() {
        if (kiln != null) {
            kiln.close();
        }
    }

    // PUT /users/{ext}/byExtRelation

    @Test
    void modifyStoresChanges() {
        long ext = nextExtRelationId.getAndIncrement();
        long id = fixtures.user(ext);
        String email = "changed-" + ext + "@example.com";

        Api.Response response = api.put(userPath(ext), json("{'name':'Changed Name','email':'" + email
                + "','selfService':'1','enabled':false}"));

        assertThat(response.status()).as(response.toString()).isEqualTo(201);
        JsonNode data = response.data();
        assertThat(data.path("name").asText()).isEqualTo("Changed Name");
        assertThat(data.path("email").asText()).isEqualTo(email);
        assertThat(data.path("selfService").isInt()).isTrue();
        assertThat(data.path("selfService").asInt()).isEqualTo(1);
        assertThat(data.path("enabled").isBoolean()).isTrue();
        assertThat(data.path("enabled").asBoolean()).isFalse();
        JsonNode stored = user(ext);
        assertThat(stored.path("id").asLong()).isEqualTo(id);
        assertThat(stored.path("name").asText()).isEqualTo("Changed Name");
        assertThat(stored.path("email").asText()).isEqualTo(email);
        assertThat(stored.path("selfService").asInt()).isEqualTo(1);
        assertThat(stored.path("suspended").asBoolean()).as("enabled false suspends the user").isTrue();
    }

    @Test
    void modifyKeepsFieldsNotSent() {
        long ext = nextExtRelationId.getAndIncrement();
        fixtures.user(ext);
        JsonNode before = user(ext);

        Api.Response name = api.put(userPath(ext), json("{'name':'Only Name','email':null}"));
        Api.Response empty = api.put(userPath(ext), "[]");

        assertThat(name.status()).as(name.toString()).isEqualTo(201);
        assertThat(empty.status()).as(empty.toString()).isEqualTo(201);
        JsonNode after = user(ext);
        assertThat(after.path("name").asText()).isEqualTo("Only Name");
        assertThat(after.path("email").asText()).isEqualTo(before.path("email").asText());
        assertThat(after.path("selfService").asInt()).isEqualTo(before.path("selfService").asInt());
        assertThat(after.path("suspended").asBoolean()).isFalse();
    }

    @Test
    void modifyEnabledTrueUnsuspends() {
        long ext = nextExtRelationId.getAndIncrement();
        fixtures.user(ext);
        assertThat(api.put(userPath(ext), json("{'enabled':'0'}")).status()).isEqualTo(201);
        assertThat(user(ext).path("suspended").asBoolean()).isTrue();

        Api.Response response = api.put(userPath(ext), json("{'enabled':1}"));

        assertThat(response.status()).as(response.toString()).isEqualTo(201);
        assertThat(response.data().path("enabled").asBoolean()).isTrue();
        assertThat(user(ext).path("suspended").asBoolean()).isFalse();
    }

    @Test
    void modifyOwnEmailInOtherCaseAllowed() {
        long ext = nextExtRelationId.getAndIncrement();
        fixtures.user(ext);
        String email = user(ext).path("email").asText();

        Api.Response response = api.put(userPath(ext), json("{'email':'" + email.toUpperCase(java.util.Locale.ROOT) + "'}"));

        assertThat(response.status()).as(response.toString()).isEqualTo(201);
    }

    @Test
    void modifyEmailTakenConflict() {
        long first = nextExtRelationId.getAndIncrement();
        long second = nextExtRelationId.getAndIncrement();
        fixtures.user(first);
        fixtures.user(second);
        String taken = user(first).path("email").asText();
        String own = user(second).path("email").asText();
        Map<String, Long> before = RowCounts.of(kiln);

        Api.Response response = api.put(userPath(second), json("{'name':'Thief','email':'" + taken.toUpperCase(java.util.Locale.ROOT) + "'}"));

        assertThat(response.status()).as(response.toString()).isEqualTo(409);
        assertThat(response.json().path("msg").asText()).contains("already exists");
        assertThat(RowCounts.of(kiln)).isEqualTo(before);
        assertThat(user(second).path("email").asText()).isEqualTo(own);
        assertThat(user(second).path("name").asText()).isNotEqualTo("Thief");
    }

    @Test
    void modifyByRelStr() {
        String relStr = "client-" + nextExtRelationId.getAndIncrement();
        createUserWithRelStr(relStr);

        Api.Response response = api.put(V1 + "/users/" + relStr + "/byExtRelation?relStr=true", json("{'name':'By Relation'}"));

        assertThat(response.status()).as(response.toString()).isEqualTo(201);
        Api.Response found = api.get(V1 + "/users/" + relStr + "/byExtRelation?relStr=true");
        assertThat(found.status()).as(found.toString()).isEqualTo(200);
        assertThat(found.data().path("name").asText()).isEqualTo("By Relation");
        assertMessage(api.put(V1 + "/users/" + relStr + "/byExtRelation", json("{'name':'x'}")), 404, USER_NOT_FOUND);
    }

    @Test
    void emptyStringsChangeNothing() {
        long ext = nextExtRelationId.getAndIncrement();
        fixtures.user(ext);
        String name = api.get(userPath(ext)).data().path("name").asText();

        Api.Response response = api.put(userPath(ext), json("{'name':'','email':''}"));

        assertThat(response.status()).as(response.toString()).isEqualTo(201);
        assertThat(api.get(userPath(ext)).data().path("name").asText()).isEqualTo(name);
    }

    @ParameterizedTest
    @MethodSource("badModifyBodies")
    void modifyRejectsBadInput(String body) {
        long ext = nextExtRelationId.getAndIncrement();
        fixtures.user(ext);
        Map<String, Long> before = RowCounts.of(kiln);

        Api.Response response = api.put(userPath(ext), body);

        assertErrors(response);
        assertThat(RowCounts.of(kiln)).isEqualTo(before);
    }

    Stream<String> badModifyBodies() {
        return Stream.of(
                json("{'name':'   '}"),
                json("{'name':123}"),
                json("{'name':'" + "n".repeat(256) + "'}"),
                json("{'name':'line\\nbreak'}"),
                json("{'email':'not-an-email'}"),
                json("{'email':5}"),
                json("{'selfService':4}"),
                json("{'selfService':'x'}"),
                json("{'enabled':'maybe'}"),
                "[1]");
    }

    @ParameterizedTest
    @ValueSource(strings = {"999999", "abc", "-5", "0"})
    void modifyUnknownUserNotFound(String ext) {
        Map<String, Long> before = RowCounts.of(kiln);

        Api.Response response = api.put(V1 + "/users/" + ext + "/byExtRelation", json("{'name':'Nobody'}"));

        assertMessage(response, 404, USER_NOT_FOUND);
        assertThat(RowCounts.of(kiln)).isEqualTo(before);
    }

    // DELETE /users/{ext}/byExtRelation

    @Test
    void deleteRemovesUserAndKeys() {
        long ext = nextExtRelationId.getAndIncrement();
        long id = fixtures.user(ext);
        long key = fixtures.sshKey(id, Fixtures.ED25519_A);

        Api.Response response = api.delete(userPath(ext));

        assertNoContent(response);
        assertMessage(api.get(userPath(ext)), 404, USER_NOT_FOUND);
        assertMessage(api.get(V1 + "/ssh_keys/" + key), 404, "ssh key not found");
        assertThat(RowCounts.count(kiln, "kiln_user WHERE id = " + id)).isZero();
        assertThat(RowCounts.count(kiln, "ssh_key WHERE user_id = " + id)).isZero();
        assertThat(fixtures.user(ext)).as("the extRelationId is free again").isNotEqualTo(id);
    }

    @Test
    void deleteRefusedWhileUserOwnsServers() {
        long ext = nextExtRelationId.getAndIncrement();
        long id = fixtures.user(ext);
        long server = fixtures.server(id, 1);
        assertNoContent(api.delete(V1 + "/servers/" + server));
        Map<String, Long> before = RowCounts.of(kiln);

        Api.Response scheduled = api.delete(userPath(ext));

        assertThat(scheduled.status()).as(scheduled.toString()).isEqualTo(409);
        assertThat(scheduled.json().path("msg").asText()).contains("1 server");
        assertThat(RowCounts.of(kiln)).isEqualTo(before);
        assertThat(api.get(userPath(ext)).status()).isEqualTo(200);

        assertNoContent(api.delete(V1 + "/servers/" + server + "?delay=0"));
        runQueue();
        Api.Response afterDeletion = api.delete(userPath(ext));

        assertNoContent(afterDeletion);
        assertMessage(api.get(userPath(ext)), 404, USER_NOT_FOUND);
    }

    @Test
    void deleteByRelStr() {
        String relStr = "client-" + nextExtRelationId.getAndIncrement();
        createUserWithRelStr(relStr);

        Api.Response response = api.delete(V1 + "/users/" + relStr + "/byExtRelation?relStr=1");

        assertNoContent(response);
        assertMessage(api.get(V1 + "/users/" + relStr + "/byExtRelation?relStr=true"), 404, USER_NOT_FOUND);
    }

    @ParameterizedTest
    @ValueSource(strings = {"999999", "abc", "0"})
    void deleteUnknownUserNotFound(String ext) {
        Map<String, Long> before = RowCounts.of(kiln);

        Api.Response response = api.delete(V1 + "/users/" + ext + "/byExtRelation");

        assertMessage(response, 404, USER_NOT_FOUND);
        assertThat(RowCounts.of(kiln)).isEqualTo(before);
    }

    // POST /users/{ext}/byExtRelation/resetPassword

    @Test
    void resetPasswordReturnsNewPassword() {
        long ext = nextExtRelationId.getAndIncrement();
        long id = fixtures.user(ext);
        JsonNode before = user(ext);
        String oldHash = passwordHash(id);

        Api.Response first = api.post(userPath(ext) + "/resetPassword", "");

        assertThat(first.status()).as(first.toString()).isEqualTo(201);
        assertThat(first.data().path("email").asText()).isEqualTo(before.path("email").asText());
        String password = first.data().path("password").asText();
        assertThat(password).hasSizeGreaterThanOrEqualTo(12);
        String newHash = passwordHash(id);
        assertThat(newHash).isNotEqualTo(oldHash);
        assertThat(newHash).doesNotContain(password);

        Api.Response second = api.post(userPath(ext) + "/resetPassword", "[]");

        assertThat(second.status()).as(second.toString()).isEqualTo(201);
        assertThat(second.data().path("password").asText()).isNotEqualTo(password);
        assertThat(passwordHash(id)).isNotEqualTo(newHash);
        assertThat(user(ext).path("name").asText()).isEqualTo(before.path("name").asText());
    }

    @Test
    void resetPasswordByRelStr() {
        String relStr = "client-" + nextExtRelationId.getAndIncrement();
        createUserWithRelStr(relStr);

        Api.Response response = api.post(V1 + "/users/" + relStr + "/byExtRelation/resetPassword?relStr=true", "");

        assertThat(response.status()).as(response.toString()).isEqualTo(201);
        assertThat(response.data().path("password").asText()).isNotBlank();
    }

    @ParameterizedTest
    @ValueSource(strings = {"999999", "abc", "0"})
    void resetPasswordUnknownUserNotFound(String ext) {
        Map<String, Long> before = RowCounts.of(kiln);

        Api.Response response = api.post(V1 + "/users/" + ext + "/byExtRelation/resetPassword", "");

        assertMessage(response, 404, USER_NOT_FOUND);
        assertThat(RowCounts.of(kiln)).isEqualTo(before);
    }

    // DELETE /ssh_keys/{id}

    @Test
    void deleteKeyRemovesRecord() {
        long id = fixtures.user(nextExtRelationId.getAndIncrement());
        long key = fixtures.sshKey(id, Fixtures.ED25519_A);
        long kept = fixtures.sshKey(id, Fixtures.ED25519_B);

        Api.Response response = api.delete(V1 + "/ssh_keys/" + key);

        assertNoContent(response);
        assertMessage(api.get(V1 + "/ssh_keys/" + key), 404, "ssh key not found");
        Api.Response remaining = api.get(V1 + "/ssh_keys/user/" + id);
        assertThat(remaining.status()).as(remaining.toString()).isEqualTo(200);
        assertThat(remaining.data().valueStream().map(k -> k.path("id").asLong())).containsExactly(kept);
    }

    @Test
    void deleteKeyInstalledOnServer() {
        long id = fixtures.user(nextExtRelationId.getAndIncrement());
        long key = fixtures.sshKey(id, Fixtures.ED25519_C);
        long server = fixtures.server(id, 1);
        fixtures.build(server, "{\"operatingSystemId\":1,\"sshKeys\":[" + key + "]}");
        runQueue();
        assertThat(server(server).path("sshKeys")).hasSize(1);

        Api.Response response = api.delete(V1 + "/ssh_keys/" + key);

        assertNoContent(response);
        JsonNode after = server(server);
        assertThat(after.path("sshKeys")).isEmpty();
        assertThat(after.path("commissionStatus").asInt()).isEqualTo(3);
        assertThat(api.post(V1 + "/servers/" + server + "/build", "{\"operatingSystemId\":1}").status())
                .as("a rebuild without the key").isEqualTo(200);
        runQueue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"999999", "0", "abc"})
    void deleteUnknownKeyNotFound(String key) {
        Map<String, Long> before = RowCounts.of(kiln);

        Api.Response response = api.delete(V1 + "/ssh_keys/" + key);

        assertMessage(response, 404, "ssh key not found");
        assertThat(RowCounts.of(kiln)).isEqualTo(before);
    }

    // ?relStr

    @Test
    void relStrFalseLooksUpExtRelationId() {
        long ext = nextExtRelationId.getAndIncrement();
        long id = fixtures.user(ext);

        Api.Response byId = api.get(userPath(ext) + "?relStr=false");
        Api.Response byRelStr = api.get(userPath(ext) + "?relStr=true");

        assertThat(byId.status()).as(byId.toString()).isEqualTo(200);
        assertThat(byId.data().path("id").asLong()).isEqualTo(id);
        assertMessage(byRelStr, 404, USER_NOT_FOUND);
    }

    // Helpers

    private void createUserWithRelStr(String relStr) {
        Api.Response response = api.post(V1 + "/users", json("{'name':'Relation User','email':'" + relStr
                + "@example.com','relStr':'" + relStr + "'}"));
        assertThat(response.status()).as(response.toString()).isEqualTo(201);
    }

    private static String userPath(long ext) {
        return V1 + "/users/" + ext + "/byExtRelation";
    }

    private JsonNode user(long ext) {
        Api.Response response = api.get(userPath(ext));
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        return response.data();
    }

    private JsonNode server(long id) {
        Api.Response response = api.get(V1 + "/servers/" + id);
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        return response.data();
    }

    private String passwordHash(long userId) {
        return kiln.server().database().jdbi().withHandle(h -> h.createQuery("SELECT password_hash FROM kiln_user WHERE id = :id")
                .bind("id", userId).mapTo(String.class).one());
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

    /** Turns single quotes into double quotes, so JSON bodies read without escapes. */
    private static String json(String singleQuoted) {
        return singleQuoted.replace('\'', '"');
    }

    private static void assertNoContent(Api.Response response) {
        assertThat(response.status()).as(response.toString()).isEqualTo(204);
        assertThat(response.body()).isEmpty();
    }

    private static void assertMessage(Api.Response response, int status, String message) {
        assertThat(response.status()).as(response.toString()).isEqualTo(status);
        assertThat(response.json().path("msg").asText()).isEqualTo(message);
    }

    private static void assertErrors(Api.Response response) {
        assertThat(response.status()).as(response.toString()).isEqualTo(422);
        JsonNode errors = response.json().path("errors");
        assertThat(errors.isArray()).as(response.toString()).isTrue();
        assertThat(errors).isNotEmpty();
        assertThat(errors.valueStream()).allMatch(JsonNode::isTextual);
    }
}
