package dev.kiln.testing;

import com.fasterxml.jackson.databind.JsonNode;

/** Creates users, keys and servers through the API, asserting each step's status. */
public final class Fixtures {

    /** An OpenSSH ed25519 key that validates (its blob names its type). */
    public static final String ED25519_A = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq9mLBBK0Dq5pDLfF2rjwz3XZZ9cHs7Sa8vS3nWgRb1 alice@example";
    public static final String ED25519_B = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB0pVg2gq8KcN3oAqV1fNwGqkH1dBk0k2bUJwzE2c7Yy bob@example";
    public static final String ED25519_C = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHb8bq4dVbJf7o3N2kKqB0mS1lQm7ZpJ3nCq5rT9y2Uw carol@example";

    private final Api api;

    public Fixtures(Api api) {
        this.api = api;
    }

    /** Creates a user and returns its id. */
    public long user(long extRelationId) {
        Api.Response r = api.post("/api/v1/users", "{\"name\":\"User " + extRelationId + "\",\"email\":\"user" + extRelationId
                + "-" + System.nanoTime() + "@example.com\",\"extRelationId\":" + extRelationId + "}");
        return expect(r, 201).path("id").asLong();
    }

    public long sshKey(long userId, String publicKey) {
        Api.Response r = api.post("/api/v1/ssh_keys", "{\"userId\":" + userId + ",\"name\":\"key\",\"publicKey\":\"" + publicKey + "\"}");
        return expect(r, 201).path("id").asLong();
    }

    /** Creates a server of a package for a user in hypervisor group 1 and returns its id. */
    public long server(long userId, long packageId) {
        Api.Response r = api.post("/api/v1/servers", "{\"packageId\":" + packageId + ",\"userId\":" + userId + ",\"hypervisorId\":1}");
        return expect(r, 201).path("id").asLong();
    }

    public JsonNode build(long serverId, String body) {
        return expect(api.post("/api/v1/servers/" + serverId + "/build", body), 200);
    }

    private static JsonNode expect(Api.Response r, int status) {
        if (r.status() != status) {
            throw new AssertionError("expected " + status + ", got " + r);
        }
        return r.data();
    }
}
