package dev.kiln.hypervisors.libvirt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import dev.kiln.hypervisors.DiskSpec;
import dev.kiln.hypervisors.DomainSpec;
import dev.kiln.hypervisors.DomainStatus;
import dev.kiln.hypervisors.HypervisorConnection;
import dev.kiln.hypervisors.RemoteState;
import dev.kiln.hypervisors.TemplateImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.libvirt.Connect;
import org.libvirt.LibvirtException;

/**
 * Builds real guests with libvirtd and QEMU (software emulation) from the template that
 * {@code scripts/make-test-template.sh} makes. The guest applies its NoCloud seed, prints what
 * it applied on the serial console and powers off; the test reads the console log.
 *
 * <p>Needs libvirtd ({@code scripts/start-libvirtd.sh}) and the template path in the system
 * property {@code kiln.test.template} or the environment variable {@code KILN_TEST_TEMPLATE}.
 * Outside CI a missing prerequisite skips the test; with {@code CI=true} it fails.
 */
@Tag("libvirt-real")
class LibvirtRealDaemonTest {

    static final String LOCAL_URI = "qemu:///system";
    static final String POOL = "kiln-test";
    static final Path POOL_DIR = Path.of("/var/lib/kiln-test/pool");
    static final Path CONSOLE_DIR = Path.of("/var/lib/kiln-test/console");
    private static final Path LIBVIRT_SOCKET = Path.of("/run/libvirt/libvirt-sock");
    private static final String TEMPLATE_VOLUME = "kiln-test-template.qcow2";
    private static final Duration GUEST_RUN_LIMIT = Duration.ofSeconds(120);

    private final List<LibvirtDriver> drivers = new ArrayList<>();
    private final String uuid = UUID.randomUUID().toString();
    private TemplateImage template;

    @BeforeEach
    void prepareHost() throws Exception {
        requirePrerequisites();
        template = new TemplateImage(1, TEMPLATE_VOLUME, templatePath().toUri().toString());
        RealHost.preparePool(LOCAL_URI, POOL, POOL_DIR);
        Files.createDirectories(CONSOLE_DIR);
    }

    @AfterEach
    void cleanUp() {
        drivers.forEach(LibvirtDriver::close);
        // A driver of its own on the local daemon, so cleanup works whatever transport the test used.
        try (LibvirtDriver local = new LibvirtDriver(new HypervisorConnection("hv-cleanup", "libvirt", LOCAL_URI,
                POOL, "qemu", null, false, null))) {
            local.delete(uuid);
        } catch (RuntimeException e) {
            System.err.println("cleanup of server " + uuid + " failed: " + e.getMessage());
        }
        try {
            Files.deleteIfExists(CONSOLE_DIR.resolve(uuid + ".log"));
        } catch (IOException e) {
            System.err.println("could not delete the console log of server " + uuid + ": " + e);
        }
    }

    @Test
    void buildRebuildAndDeleteOnLocalDaemon() throws Exception {
        buildRebuildAndDelete(LOCAL_URI);
    }

    @Test
    void powerActionsOnRealDomain() throws Exception {
        LibvirtDriver driver = driver(LOCAL_URI, false);
        // An empty disk has nothing to boot, so the firmware keeps the domain running.
        RealHost.createEmptyVolume(LOCAL_URI, POOL, uuid + "_1");
        driver.writeSeed(uuid, new GuestSeed("idle", "$6$x$y", List.of()).files(uuid));
        driver.defineDomain(new DomainSpec(uuid, 1, 256, "52:54:00:4b:69:6d", true, "vnc-pass"));

        assertThat(driver.start(uuid)).isEqualTo("started domain " + uuid);
        assertThat(driver.status(uuid)).isEqualTo(DomainStatus.RUNNING);

        RemoteState live = driver.remoteState(uuid);
        assertThat(live.status()).isEqualTo(DomainStatus.RUNNING);
        assertThat(live.cpuTimeNs()).isPositive();
        assertThat(live.memoryActualKib()).isEqualTo(256 * 1024);
        assertThat(live.memoryRssKib()).isPositive();

        assertThat(driver.reboot(uuid)).isEqualTo("sent reboot to domain " + uuid);
        assertThat(driver.shutdown(uuid)).isEqualTo("sent ACPI shutdown to domain " + uuid);
        assertThat(driver.powerOff(uuid)).isEqualTo("powered off domain " + uuid);
        assertThat(driver.status(uuid)).isEqualTo(DomainStatus.SHUTOFF);
        assertThat(driver.powerOff(uuid)).isEqualTo("domain " + uuid + " is already shut off");
    }

    /** The same build over the qemu+ssh transport, through an sshd of the test's own. */
    @Nested
    class OverSsh {

        private static final int SSH_PORT = 2222;

        private LocalSshd sshd;

        @BeforeEach
        void startSshd(@TempDir Path dir) throws Exception {
            if (!LocalSshd.installed()) {
                missing("openssh-server is not installed; run scripts/start-libvirtd.sh");
            }
            sshd = LocalSshd.start(dir, SSH_PORT);
        }

        @AfterEach
        void stopSshd() throws Exception {
            drivers.forEach(LibvirtDriver::close);
            if (sshd != null) {
                sshd.close();
            }
        }

        @Test
        void buildRebuildAndDeleteOverSsh() throws Exception {
            buildRebuildAndDelete(sshd.libvirtUri());
        }
    }

    /** Builds, rebuilds and deletes one server on the hypervisor at {@code uri}. The SSH test runs it too. */
    void buildRebuildAndDelete(String uri) throws Exception {
        LibvirtDriver overlayDriver = driver(uri, false);

        assertThat(overlayDriver.ensureTemplate(template)).startsWith("fetched template " + TEMPLATE_VOLUME);
        assertThat(overlayDriver.ensureTemplate(template)).contains("already in pool " + POOL + " (qcow2)");

        GuestSeed first = new GuestSeed("web1", "$6$kilnsalt1$Qm9vdEhhc2hPbmVGb3JLaWxuVGVzdA",
                List.of("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKilnTestKeyOne alice@laptop",
                        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKilnTestKeyTwo bob@desk"));
        assertThat(overlayDriver.createDisk(new DiskSpec(uuid, template, 1))).contains("qcow2 overlay");
        bootAndCheck(overlayDriver, first);

        // The rebuild uses full-copy disks, which rely on libvirt recording the template as qcow2.
        LibvirtDriver copyDriver = driver(uri, true);
        GuestSeed second = new GuestSeed("db2", "$6$kilnsalt2$U2Vjb25kSGFzaEZvcktpbG5UZXN0",
                List.of("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKilnTestKeyThree carol@host",
                        "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQKilnTestKeyFour dave"));
        assertThat(copyDriver.createDisk(new DiskSpec(uuid, template, 2)))
                .contains("full copy of " + TEMPLATE_VOLUME)
                .contains("replacing the previous disk");
        bootAndCheck(copyDriver, second);

        String deleted = copyDriver.delete(uuid);

        assertThat(deleted).isEqualTo("deleted domain " + uuid + ", volume " + uuid + "_1, volume " + uuid + "_seed");
        assertThat(copyDriver.status(uuid)).isEqualTo(DomainStatus.UNDEFINED);
        assertThat(RealHost.domainExists(LOCAL_URI, uuid)).isFalse();
        assertThat(RealHost.volumeNames(LOCAL_URI, POOL)).containsExactly(TEMPLATE_VOLUME);
    }

    private void bootAndCheck(LibvirtDriver driver, GuestSeed seed) throws IOException {
        assertThat(driver.writeSeed(uuid, seed.files(uuid))).startsWith("wrote seed volume " + uuid + "_seed");
        assertThat(driver.defineDomain(new DomainSpec(uuid, 1, 256, "52:54:00:4b:69:6c", false, null)))
                .startsWith("defined domain " + uuid);
        assertThat(driver.start(uuid)).isEqualTo("started domain " + uuid);

        await("guest " + seed.hostname() + " applies its seed and powers off")
                .atMost(GUEST_RUN_LIMIT)
                .pollInterval(Duration.ofMillis(500))
                .until(() -> driver.status(uuid) == DomainStatus.SHUTOFF);

        ConsoleLog console = ConsoleLog.read(CONSOLE_DIR.resolve(uuid + ".log"));
        assertThat(console.errors()).as("KILN-ERROR lines").isEmpty();
        assertThat(console.done()).as("KILN-DONE printed").isTrue();
        assertThat(console.applied("instance-id")).containsExactly(uuid);
        assertThat(console.applied("hostname")).containsExactly(seed.hostname());
        assertThat(console.applied("root-hash")).containsExactly(seed.rootHash());
        assertThat(console.applied("ssh-key")).containsExactlyElementsOf(seed.sshKeys());
        assertThat(driver.remoteState(uuid).status()).isEqualTo(DomainStatus.SHUTOFF);
    }

    private LibvirtDriver driver(String uri, boolean fullCopyDisks) {
        HypervisorConnection connection = new HypervisorConnection("hv-real", "libvirt", uri, POOL, "qemu", null,
                fullCopyDisks, CONSOLE_DIR.toString());
        LibvirtDriver driver = new LibvirtDriver(connection);
        drivers.add(driver);
        return driver;
    }

    static void requirePrerequisites() {
        if (!Files.exists(LIBVIRT_SOCKET)) {
            missing("libvirtd is not running (" + LIBVIRT_SOCKET + " is absent); run scripts/start-libvirtd.sh");
        }
        String howTo = "run scripts/make-test-template.sh OUTDIR and set"
                + " KILN_TEST_TEMPLATE=OUTDIR/kiln-test-template.qcow2";
        Path template = templatePath();
        if (template == null) {
            missing("the test template is not configured; " + howTo);
        } else if (!Files.isRegularFile(template)) {
            missing("the test template " + template + " is missing; " + howTo);
        }
    }

    /** Skips the test for a missing prerequisite, or fails it when {@code CI=true}. */
    static void missing(String reason) {
        if ("true".equals(System.getenv("CI"))) {
            fail(reason);
        }
        Assumptions.abort(reason);
    }

    static Path templatePath() {
        String configured = System.getProperty("kiln.test.template", System.getenv("KILN_TEST_TEMPLATE"));
        return configured == null || configured.isBlank() ? null : Path.of(configured);
    }

    /** What a build writes into the seed, and what the guest must report back. */
    record GuestSeed(String hostname, String rootHash, List<String> sshKeys) {

        Map<String, byte[]> files(String serverUuid) {
            StringBuilder userData = new StringBuilder()
                    .append("#cloud-config\n")
                    .append("hostname: ").append(hostname).append('\n')
                    .append("fqdn: ").append(hostname).append(".kiln.test\n")
                    .append("users:\n")
                    .append("  - name: root\n")
                    .append("    lock_passwd: false\n")
                    .append("    hashed_passwd: ").append(rootHash).append('\n')
                    .append("    ssh_authorized_keys:\n");
            for (String key : sshKeys) {
                userData.append("      - ").append(key).append('\n');
            }
            userData.append("ssh_pwauth: true\n");
            String metaData = "instance-id: " + serverUuid + "\nlocal-hostname: " + hostname + "\n";
            String networkConfig = "version: 2\nethernets: {}\n";
            return Map.of(
                    "meta-data", metaData.getBytes(StandardCharsets.UTF_8),
                    "user-data", userData.toString().getBytes(StandardCharsets.UTF_8),
                    "network-config", networkConfig.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** The guest's serial console log, reduced to the lines its init prints for the test. */
    record ConsoleLog(List<String> lines) {

        static ConsoleLog read(Path file) throws IOException {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            return new ConsoleLog(text.lines().map(String::strip).toList());
        }

        List<String> applied(String key) {
            String prefix = "KILN-APPLIED " + key + "=";
            return lines.stream().filter(line -> line.startsWith(prefix))
                    .map(line -> line.substring(prefix.length())).toList();
        }

        List<String> errors() {
            return lines.stream().filter(line -> line.startsWith("KILN-ERROR")).toList();
        }

        boolean done() {
            return lines.contains("KILN-DONE");
        }
    }

    /** Setup and inspection of the local libvirtd through a connection of the test's own. */
    static final class RealHost {

        private RealHost() {
        }

        /** Makes sure the dir pool exists and runs, and removes every volume in it. */
        static void preparePool(String uri, String pool, Path dir) throws Exception {
            Files.createDirectories(dir);
            Connect connect = new Connect(uri);
            try {
                org.libvirt.StoragePool storagePool;
                try {
                    storagePool = connect.storagePoolLookupByName(pool);
                } catch (LibvirtException e) {
                    String xml = "<pool type='dir'><name>" + pool + "</name><target><path>" + dir
                            + "</path></target></pool>";
                    storagePool = connect.storagePoolCreateXML(xml, 0);
                }
                if (storagePool.isActive() != 1) {
                    storagePool.create(0);
                }
                storagePool.refresh(0);
                // Start from an empty pool, so that ensureTemplate really fetches and uploads.
                for (String volume : storagePool.listVolumes()) {
                    storagePool.storageVolLookupByName(volume).delete(0);
                }
            } finally {
                connect.close();
            }
        }

        static void createEmptyVolume(String uri, String pool, String name) throws LibvirtException {
            Connect connect = new Connect(uri);
            try {
                String xml = VolumeXml.plain(name, 64L << 20, ImageFormat.QCOW2);
                connect.storagePoolLookupByName(pool).storageVolCreateXML(xml, 0);
            } finally {
                connect.close();
            }
        }

        static boolean domainExists(String uri, String name) throws LibvirtException {
            Connect connect = new Connect(uri);
            try {
                connect.domainLookupByName(name);
                return true;
            } catch (LibvirtException e) {
                if (LibvirtErrors.isDomainNotFound(e)) {
                    return false;
                }
                throw e;
            } finally {
                connect.close();
            }
        }

        static List<String> volumeNames(String uri, String pool) throws LibvirtException {
            Connect connect = new Connect(uri);
            try {
                org.libvirt.StoragePool storagePool = connect.storagePoolLookupByName(pool);
                storagePool.refresh(0);
                return List.of(storagePool.listVolumes());
            } finally {
                connect.close();
            }
        }
    }
}
