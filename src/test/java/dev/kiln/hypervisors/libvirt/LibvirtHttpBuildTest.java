package dev.kiln.hypervisors.libvirt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.hypervisors.HypervisorConnection;
import dev.kiln.hypervisors.libvirt.LibvirtRealDaemonTest.ConsoleLog;
import dev.kiln.hypervisors.libvirt.LibvirtRealDaemonTest.RealHost;
import dev.kiln.security.Passwords;
import dev.kiln.testing.Api;
import dev.kiln.testing.DatabaseKind;
import dev.kiln.testing.Fixtures;
import dev.kiln.testing.TestKiln;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.libvirt.LibvirtException;

/**
 * Builds, rebuilds and deletes a server through Kiln's HTTP API on a real libvirtd with QEMU
 * (software emulation), once over {@code qemu:///system} and once over qemu+ssh. The guest that
 * {@code scripts/make-test-template.sh} makes applies its NoCloud seed, prints what it applied on
 * its serial console and powers off. The test reads that console log, which libvirt writes into
 * the hypervisor's {@code consoleLogDir}.
 *
 * <p>Prerequisites are those of {@link LibvirtRealDaemonTest}: libvirtd, and the template path in
 * {@code KILN_TEST_TEMPLATE}. Outside CI a missing prerequisite skips the test; with
 * {@code CI=true} it fails.
 */
@Tag("libvirt-real")
class LibvirtHttpBuildTest {

    private static final String POOL = "kiln-http-test";
    private static final Path POOL_DIR = Path.of("/var/lib/kiln-test/http-pool");
    private static final Path CONSOLE_DIR = Path.of("/var/lib/kiln-test/http-console");
    private static final String TEMPLATE_KEY = "kiln-test";
    private static final String TEMPLATE_VOLUME = "kiln-template-" + TEMPLATE_KEY + ".qcow2";
    private static final int SSH_PORT = 2222;

    /** Limit for a build to reach commissionStatus 3. The first build also uploads the template. */
    private static final Duration BUILD_LIMIT = Duration.ofMinutes(3);
    /** Limit for the guest to boot, apply its seed and print KILN-DONE after the build completed. */
    private static final Duration GUEST_RUN_LIMIT = Duration.ofMinutes(2);
    private static final Duration DELETE_LIMIT = Duration.ofSeconds(60);
    private static final Duration POLL_INTERVAL = Duration.ofMillis(500);

    private String serverUuid;

    @BeforeEach
    void prepareHost() throws Exception {
        LibvirtRealDaemonTest.requirePrerequisites();
        // An empty pool, so that the first build really fetches and uploads the template.
        RealHost.preparePool(LibvirtRealDaemonTest.LOCAL_URI, POOL, POOL_DIR);
        Files.createDirectories(CONSOLE_DIR);
    }

    /** Removes what a failed run may have left on the host, through the local daemon. */
    @AfterEach
    void cleanUp() {
        if (serverUuid == null) {
            return;
        }
        try (LibvirtDriver local = new LibvirtDriver(new HypervisorConnection("hv-cleanup", "libvirt",
                LibvirtRealDaemonTest.LOCAL_URI, POOL, "qemu", null, false, null))) {
            local.delete(serverUuid);
        } catch (RuntimeException e) {
            System.err.println("cleanup of server " + serverUuid + " failed: " + e.getMessage());
        }
        try {
            Files.deleteIfExists(consoleLog());
        } catch (IOException e) {
            System.err.println("could not delete the console log of server " + serverUuid + ": " + e);
        }
    }

    @Test
    void buildRebuildDeleteOnLocalDaemon(@TempDir Path dir) throws Exception {
        buildRebuildAndDelete(LibvirtRealDaemonTest.LOCAL_URI, dir);
    }

    @Test
    void buildRebuildDeleteOverSsh(@TempDir Path dir) throws Exception {
        if (!LocalSshd.installed()) {
            LibvirtRealDaemonTest.missing("openssh-server is not installed; run scripts/start-libvirtd.sh");
        }
        Path sshDir = Files.createDirectory(dir.resolve("sshd"));
        try (LocalSshd sshd = LocalSshd.start(sshDir, SSH_PORT)) {
            buildRebuildAndDelete(sshd.libvirtUri(), dir);
        }
    }

    /**
     * Runs the whole flow against a Kiln node whose only hypervisor is reached at {@code uri}. The
     * node is closed before the caller's sshd, so its libvirt connection ends first.
     */
    private void buildRebuildAndDelete(String uri, Path dir) throws IOException, LibvirtException {
        Path inventory = writeInventory(dir.resolve("inventory.yaml"), uri);
        try (TestKiln kiln = TestKiln.builder(DatabaseKind.H2).inventoryFile(inventory).start()) {
            Api api = kiln.api();
            Fixtures fixtures = new Fixtures(api);
            long user = fixtures.user(1);
            long key1 = fixtures.sshKey(user, Fixtures.ED25519_A);
            long key2 = fixtures.sshKey(user, Fixtures.ED25519_B);
            long key3 = fixtures.sshKey(user, Fixtures.ED25519_C);
            long server = fixtures.server(user, 1);
            serverUuid = api.get("/api/v1/servers/" + server).data().path("uuid").asText();
            assertThat(serverUuid).as("server uuid").isNotBlank();

            String firstPassword = build(fixtures, server, "web1.example.com", key1, key2);
            awaitBuilt(api, server);
            ConsoleLog first = awaitGuestRun(null);

            assertThat(first.errors()).as("KILN-ERROR lines of the first build").isEmpty();
            assertThat(instanceId(first)).startsWith(serverUuid);
            assertThat(first.applied("hostname")).containsExactly("web1");
            assertThat(first.applied("root-hash")).singleElement()
                    .matches(hash -> Passwords.matchesSha512Crypt(firstPassword, hash),
                            "is the SHA-512-crypt hash of the first build's decryptedPassword");
            assertThat(first.applied("ssh-key")).containsExactly(Fixtures.ED25519_A, Fixtures.ED25519_B);

            String secondPassword = build(fixtures, server, "db2.example.com", key3);
            awaitBuilt(api, server);
            ConsoleLog second = awaitGuestRun(instanceId(first));

            assertThat(secondPassword).isNotEqualTo(firstPassword);
            assertThat(second.errors()).as("KILN-ERROR lines of the rebuild").isEmpty();
            assertThat(instanceId(second)).startsWith(serverUuid);
            assertThat(second.applied("hostname")).containsExactly("db2");
            assertThat(second.applied("root-hash")).singleElement()
                    .matches(hash -> Passwords.matchesSha512Crypt(secondPassword, hash),
                            "is the SHA-512-crypt hash of the rebuild's decryptedPassword")
                    .matches(hash -> !Passwords.matchesSha512Crypt(firstPassword, hash),
                            "no longer matches the first build's password");
            assertThat(second.applied("ssh-key")).containsExactly(Fixtures.ED25519_C);

            Api.Response deletion = api.delete("/api/v1/servers/" + server + "?delay=0");
            assertThat(deletion.status()).as("DELETE response %s", deletion).isEqualTo(204);
            await("server " + server + " deleted")
                    .atMost(DELETE_LIMIT)
                    .pollInterval(POLL_INTERVAL)
                    .until(() -> api.get("/api/v1/servers/" + server).status() == 404);

            assertThat(RealHost.domainExists(LibvirtRealDaemonTest.LOCAL_URI, serverUuid))
                    .as("domain %s defined after the deletion", serverUuid).isFalse();
            assertThat(RealHost.volumeNames(LibvirtRealDaemonTest.LOCAL_URI, POOL))
                    .as("volumes in pool %s after the deletion", POOL)
                    .containsExactly(TEMPLATE_VOLUME);
        }
    }

    /** Starts a build with the given hostname and keys and returns the root password it generated. */
    private static String build(Fixtures fixtures, long server, String hostname, long... keyIds) {
        StringBuilder keys = new StringBuilder();
        for (long id : keyIds) {
            keys.append(keys.isEmpty() ? "" : ",").append(id);
        }
        JsonNode accepted = fixtures.build(server, "{\"operatingSystemId\":1,\"hostname\":\"" + hostname
                + "\",\"sshKeys\":[" + keys + "]}");
        String password = accepted.path("settings").path("decryptedPassword").asText();
        assertThat(password).as("settings.decryptedPassword of the build response").isNotBlank();
        return password;
    }

    /** Waits until the build is no longer queued or running, then requires that it completed. */
    private static void awaitBuilt(Api api, long server) {
        await("build of server " + server + " finished")
                .atMost(BUILD_LIMIT)
                .pollInterval(POLL_INTERVAL)
                .until(() -> {
                    JsonNode view = api.get("/api/v1/servers/" + server).data();
                    return view.path("commissionStatus").asInt() == 3 || view.path("buildFailed").asBoolean();
                });
        JsonNode view = api.get("/api/v1/servers/" + server).data();
        assertThat(view.path("buildFailed").asBoolean()).as("buildFailed; see the worker's log above").isFalse();
        assertThat(view.path("commissionStatus").asInt()).isEqualTo(3);
        assertThat(view.path("state").asText()).isEqualTo("complete");
    }

    /**
     * Waits until the console log shows a finished guest run whose instance-id differs from
     * {@code previousInstanceId} (null for any), and returns that run's lines.
     */
    private ConsoleLog awaitGuestRun(String previousInstanceId) {
        return await("guest of server " + serverUuid + " applies its seed and prints KILN-DONE")
                .atMost(GUEST_RUN_LIMIT)
                .pollInterval(POLL_INTERVAL)
                .until(this::latestRun, run -> run != null
                        && !instanceId(run).equals(previousInstanceId)
                        && (run.done() || !run.errors().isEmpty()));
    }

    /** Returns the instance-id that starts a run found by {@link #latestRun()}. */
    private static String instanceId(ConsoleLog run) {
        return run.applied("instance-id").getFirst();
    }

    /**
     * Returns the lines of the latest guest run in the console log, or null when there is none
     * yet. libvirt may append to the log or start it afresh at each boot, so a run is found by its
     * {@code KILN-APPLIED instance-id=} line, which the guest prints first and Kiln makes new for
     * every build.
     */
    private ConsoleLog latestRun() throws IOException {
        List<String> lines;
        try {
            lines = Files.readString(consoleLog(), StandardCharsets.UTF_8).lines().map(String::strip).toList();
        } catch (NoSuchFileException e) {
            return null;
        }
        for (int i = lines.size() - 1; i >= 0; i--) {
            if (lines.get(i).startsWith("KILN-APPLIED instance-id=")) {
                return new ConsoleLog(lines.subList(i, lines.size()));
            }
        }
        return null;
    }

    private Path consoleLog() {
        return CONSOLE_DIR.resolve(serverUuid + ".log");
    }

    /**
     * Writes an inventory with one libvirt hypervisor at {@code uri}, with domain type qemu
     * (software emulation), no bridge and so no guest NIC, and the test's pool and console log
     * directory. The template is the test template as a {@code file:} URL. The IP block is only
     * data in Kiln's database, because the guest has no NIC.
     */
    private static Path writeInventory(Path file, String uri) throws IOException {
        String templateUrl = LibvirtRealDaemonTest.templatePath().toAbsolutePath().toUri().toString();
        String yaml = """
                hypervisorGroups:
                  - name: Real
                    isDefault: true

                hypervisors:
                  - name: hv-real
                    group: Real
                    driver: libvirt
                    uri: "%s"
                    ip: 127.0.0.1
                    storagePool: %s
                    domainType: qemu
                    fullCopyDisks: false
                    consoleLogDir: "%s"
                    resources: {memoryMb: 2048, cpuCores: 2, storageGb: 20, maxServers: 0}
                    maxConcurrentBuilds: 1

                ipBlocks:
                  - name: real-ipv4
                    group: Real
                    type: ipv4
                    first: 192.0.2.10
                    last: 192.0.2.20
                    gateway: 192.0.2.1
                    netmask: 255.255.255.0
                    resolvers: [192.0.2.53]

                templateGroups:
                  - name: Test

                templates:
                  - key: %s
                    group: Test
                    name: Kiln test guest
                    version: "1"
                    source: "%s"

                packages:
                  - name: Tiny
                    memoryMb: 256
                    cpuCores: 1
                    primaryStorageGb: 1
                    trafficGb: 10
                    networkSpeedIn: 12500
                    networkSpeedOut: 12500
                    templateGroups: [Test]
                """.formatted(yamlText(uri), POOL, yamlText(CONSOLE_DIR.toString()), TEMPLATE_KEY,
                yamlText(templateUrl));
        return Files.writeString(file, yaml, StandardCharsets.UTF_8);
    }

    /** Returns {@code value} for a double-quoted YAML scalar, rejecting the two characters that need escapes. */
    private static String yamlText(String value) {
        if (value.contains("\"") || value.contains("\\")) {
            throw new IllegalArgumentException("value " + value + " cannot be written into the test inventory,"
                    + " because it contains a quote or backslash and the inventory is written without escapes");
        }
        return value;
    }
}
