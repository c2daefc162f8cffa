package dev.kiln.hypervisors.libvirt;

import static dev.kiln.hypervisors.libvirt.TestHypervisors.POOL;
import static dev.kiln.hypervisors.libvirt.TestHypervisors.TEMPLATE_PATH;
import static dev.kiln.hypervisors.libvirt.TestHypervisors.TEMPLATE_VOLUME;
import static dev.kiln.hypervisors.libvirt.TestHypervisors.xpath;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.hypervisors.DiskSpec;
import dev.kiln.hypervisors.DomainSpec;
import dev.kiln.hypervisors.DomainStatus;
import dev.kiln.hypervisors.DriverException;
import dev.kiln.hypervisors.HypervisorConnection;
import dev.kiln.hypervisors.RemoteState;
import dev.kiln.hypervisors.TemplateImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.libvirt.Domain;
import org.w3c.dom.Document;

/**
 * The driver against libvirt's test driver, which simulates a host without a daemon. The test
 * driver keeps volumes in memory only and does not implement volume uploads. Template fetches
 * and seeds therefore fail at the upload here, and the real-daemon test covers them end to end.
 */
class LibvirtDriverTest {

    private static final String UUID = "8b0e2a8e-7f51-4d3c-9a0e-3c1f2f0f7a11";
    private static final String VNC_PASSWORD = "s3cr3t-vnc";
    private static final TemplateImage TEMPLATE =
            new TemplateImage(7, TEMPLATE_VOLUME, "file:///nonexistent/kiln/debian-12.qcow2");
    private static final long GIB = 1L << 30;

    private final List<LibvirtDriver> drivers = new ArrayList<>();

    @TempDir
    Path tempDir;

    @AfterEach
    void closeDrivers() {
        drivers.forEach(LibvirtDriver::close);
    }

    private LibvirtDriver driver(String bridge, boolean fullCopyDisks) {
        LibvirtDriver driver = new LibvirtDriver(TestHypervisors.connection(bridge, fullCopyDisks));
        drivers.add(driver);
        return driver;
    }

    private LibvirtDriver driver() {
        return driver("br0", false);
    }

    @Test
    void ensureTemplatePresentInPool() {
        String output = driver().ensureTemplate(TEMPLATE);

        assertThat(output).contains("already in pool " + POOL).contains("qcow2");
    }

    @Test
    void ensureTemplateUploadUnsupportedByTestDriver() throws IOException {
        LibvirtDriver driver = driver();
        Path image = tempDir.resolve("fresh.qcow2");
        Files.write(image, qcow2Header(3, 0, 1 * GIB));
        TemplateImage fresh = new TemplateImage(8, "fresh.qcow2", image.toUri().toString());

        assertThatThrownBy(() -> driver.ensureTemplate(fresh))
                .isInstanceOf(DriverException.class)
                .hasMessageContaining("upload template")
                .hasMessageContaining("hv-test")
                .hasMessageContaining("virStorageVolUpload");
        assertThat(TestHypervisors.volumeExists(driver, "fresh.qcow2")).as("partial volume removed").isFalse();
    }

    @Test
    void ensureTemplateRejectsBackingFile() throws IOException {
        LibvirtDriver driver = driver();
        Path image = tempDir.resolve("layered.qcow2");
        Files.write(image, qcow2Header(3, 512, 1 * GIB));
        TemplateImage layered = new TemplateImage(9, "layered.qcow2", image.toUri().toString());

        assertThatThrownBy(() -> driver.ensureTemplate(layered))
                .isInstanceOf(DriverException.class)
                .hasMessageContaining("backing file");
        assertThat(TestHypervisors.volumeExists(driver, "layered.qcow2")).isFalse();
    }

    @Test
    void ensureTemplateMissingFile() {
        TemplateImage missing = new TemplateImage(10, "missing.qcow2",
                tempDir.resolve("missing.qcow2").toUri().toString());

        assertThatThrownBy(() -> driver().ensureTemplate(missing))
                .isInstanceOf(DriverException.class)
                .hasMessageContaining("is not a readable file");
    }

    @Test
    void createDiskOverlay() {
        LibvirtDriver driver = driver();

        String output = driver.createDisk(new DiskSpec(UUID, TEMPLATE, 20));

        assertThat(output).contains(UUID + "_1").contains("qcow2 overlay").doesNotContain("replacing");
        Document volume = TestHypervisors.volumeXml(driver, UUID + "_1");
        assertThat(xpath(volume, "/volume/capacity")).isEqualTo(Long.toString(20 * GIB));
        assertThat(xpath(volume, "/volume/target/format/@type")).isEqualTo("qcow2");
        assertThat(xpath(volume, "/volume/backingStore/path")).isEqualTo(TEMPLATE_PATH);
        assertThat(xpath(volume, "/volume/backingStore/format/@type")).isEqualTo("qcow2");
    }

    @Test
    void createDiskFullCopy() {
        LibvirtDriver driver = driver("br0", true);

        String output = driver.createDisk(new DiskSpec(UUID, TEMPLATE, 20));

        assertThat(output).contains("full copy of " + TEMPLATE_VOLUME);
        Document volume = TestHypervisors.volumeXml(driver, UUID + "_1");
        assertThat(xpath(volume, "/volume/capacity")).isEqualTo(Long.toString(20 * GIB));
        assertThat(xpath(volume, "count(/volume/backingStore)")).isEqualTo("0");
    }

    @Test
    void createDiskRebuildReplaces() {
        LibvirtDriver driver = driver();
        driver.createDisk(new DiskSpec(UUID, TEMPLATE, 10));

        String output = driver.createDisk(new DiskSpec(UUID, TEMPLATE, 30));

        assertThat(output).contains("replacing the previous disk");
        Document volume = TestHypervisors.volumeXml(driver, UUID + "_1");
        assertThat(xpath(volume, "/volume/capacity")).isEqualTo(Long.toString(30 * GIB));
    }

    @Test
    void createDiskWithoutTemplate() {
        TemplateImage absent = new TemplateImage(11, "absent.qcow2", "file:///nonexistent/kiln/absent.qcow2");

        assertThatThrownBy(() -> driver().createDisk(new DiskSpec(UUID, absent, 20)))
                .isInstanceOf(DriverException.class)
                .hasMessageContaining("template volume absent.qcow2 is not in pool " + POOL)
                .hasMessageContaining("ensure the template first");
    }

    @Test
    void createDiskSmallerThanTemplate() {
        assertThatThrownBy(() -> driver().createDisk(new DiskSpec(UUID, TEMPLATE, 1)))
                .isInstanceOf(DriverException.class)
                .hasMessageContaining("1 GiB is smaller than template " + TEMPLATE_VOLUME + " (2 GiB)");
    }

    @Test
    void writeSeedUploadUnsupportedByTestDriver() {
        LibvirtDriver driver = driver();

        assertThatThrownBy(() -> driver.writeSeed(UUID, TestHypervisors.seedFiles("web1")))
                .isInstanceOf(DriverException.class)
                .hasMessageContaining("write seed")
                .hasMessageContaining(UUID + "_seed")
                .hasMessageContaining("virStorageVolUpload");
        assertThat(TestHypervisors.volumeExists(driver, UUID + "_seed")).as("partial seed removed").isFalse();
    }

    @Test
    void writeSeedRejectsBadFileName() {
        assertThatThrownBy(() -> driver().writeSeed(UUID, java.util.Map.of("../user-data", new byte[1])))
                .isInstanceOf(DriverException.class)
                .hasMessageContaining("seed file name '../user-data' is invalid");
    }

    @Test
    void defineDomainXmlAsStored() {
        LibvirtDriver driver = driver();

        String output = driver.defineDomain(TestHypervisors.domain(UUID, true, VNC_PASSWORD));

        assertThat(output).contains("defined domain " + UUID).contains("NIC on br0").contains("VNC enabled");
        Document xml = TestHypervisors.domainXml(driver, UUID, 0);
        assertThat(xpath(xml, "/domain/@type")).isEqualTo("kvm");
        assertThat(xpath(xml, "/domain/name")).isEqualTo(UUID);
        assertThat(xpath(xml, "/domain/uuid")).isEqualTo(UUID);
        assertThat(xpath(xml, "/domain/vcpu")).isEqualTo("2");
        assertThat(xpath(xml, "/domain/memory")).isEqualTo(Long.toString(1024 * 1024));
        assertThat(xpath(xml, "/domain/memory/@unit")).isEqualTo("KiB");
        assertThat(xpath(xml, "/domain/os/boot/@dev")).isEqualTo("hd");
        assertThat(xpath(xml, "count(/domain/features/acpi)")).isEqualTo("1");
        assertThat(xpath(xml, "/domain/on_poweroff")).isEqualTo("destroy");
        assertThat(xpath(xml, "/domain/devices/disk[@device='disk']/source/@pool")).isEqualTo(POOL);
        assertThat(xpath(xml, "/domain/devices/disk[@device='disk']/source/@volume")).isEqualTo(UUID + "_1");
        assertThat(xpath(xml, "/domain/devices/disk[@device='disk']/target/@dev")).isEqualTo("vda");
        assertThat(xpath(xml, "/domain/devices/disk[@device='disk']/target/@bus")).isEqualTo("virtio");
        assertThat(xpath(xml, "/domain/devices/disk[@device='disk']/driver/@type")).isEqualTo("qcow2");
        assertThat(xpath(xml, "/domain/devices/disk[@device='cdrom']/source/@volume")).isEqualTo(UUID + "_seed");
        assertThat(xpath(xml, "/domain/devices/disk[@device='cdrom']/target/@bus")).isEqualTo("ide");
        assertThat(xpath(xml, "count(/domain/devices/disk[@device='cdrom']/readonly)")).isEqualTo("1");
        assertThat(xpath(xml, "/domain/devices/interface/mac/@address")).isEqualTo("52:54:00:ab:cd:ef");
        assertThat(xpath(xml, "/domain/devices/interface/source/@bridge")).isEqualTo("br0");
        assertThat(xpath(xml, "/domain/devices/interface/model/@type")).isEqualTo("virtio");
        assertThat(xpath(xml, "/domain/devices/graphics/@type")).isEqualTo("vnc");
        assertThat(xpath(xml, "/domain/devices/serial/log/@file"))
                .isEqualTo("/var/log/kiln/console/" + UUID + ".log");
    }

    @Test
    void defineDomainVncPasswordOnlyInSecureXml() {
        LibvirtDriver driver = driver();
        DomainSpec spec = TestHypervisors.domain(UUID, true, VNC_PASSWORD);

        String output = driver.defineDomain(spec);

        assertThat(output).doesNotContain(VNC_PASSWORD);
        assertThat(spec.toString()).doesNotContain(VNC_PASSWORD);
        Document secure = TestHypervisors.domainXml(driver, UUID, Domain.XMLFlags.SECURE);
        assertThat(xpath(secure, "/domain/devices/graphics/@passwd")).isEqualTo(VNC_PASSWORD);
        Document plain = TestHypervisors.domainXml(driver, UUID, 0);
        assertThat(xpath(plain, "count(/domain/devices/graphics/@passwd)")).isEqualTo("0");
    }

    @Test
    void defineDomainWithoutBridgeOrVnc() {
        LibvirtDriver driver = driver(null, false);

        String output = driver.defineDomain(TestHypervisors.domain(UUID, false, null));

        assertThat(output).contains("no NIC").contains("VNC disabled");
        Document xml = TestHypervisors.domainXml(driver, UUID, 0);
        assertThat(xpath(xml, "count(/domain/devices/interface)")).isEqualTo("0");
        assertThat(xpath(xml, "count(/domain/devices/graphics)")).isEqualTo("0");
    }

    @Test
    void defineDomainReplacesRunningDomain() {
        LibvirtDriver driver = driver();
        driver.defineDomain(TestHypervisors.domain(UUID, false, null));
        driver.start(UUID);

        String output = driver.defineDomain(new DomainSpec(UUID, 4, 2048, "52:54:00:ab:cd:ef", false, null));

        assertThat(output).contains("replacing the previous definition");
        assertThat(driver.status(UUID)).isEqualTo(DomainStatus.SHUTOFF);
        Document xml = TestHypervisors.domainXml(driver, UUID, 0);
        assertThat(xpath(xml, "/domain/vcpu")).isEqualTo("4");
        assertThat(xpath(xml, "/domain/memory")).isEqualTo(Long.toString(2048 * 1024));
    }

    @Test
    void powerActionsChangeStatus() {
        LibvirtDriver driver = driver();
        driver.defineDomain(TestHypervisors.domain(UUID, false, null));
        assertThat(driver.status(UUID)).isEqualTo(DomainStatus.SHUTOFF);

        assertThat(driver.start(UUID)).isEqualTo("started domain " + UUID);
        assertThat(driver.status(UUID)).isEqualTo(DomainStatus.RUNNING);
        assertThat(driver.start(UUID)).isEqualTo("domain " + UUID + " is already running");
        assertThat(driver.reboot(UUID)).isEqualTo("sent reboot to domain " + UUID);

        // The test driver completes an ACPI shutdown at once.
        assertThat(driver.shutdown(UUID)).isEqualTo("sent ACPI shutdown to domain " + UUID);
        assertThat(driver.status(UUID)).isEqualTo(DomainStatus.SHUTOFF);
        assertThat(driver.shutdown(UUID)).isEqualTo("domain " + UUID + " is already shut off");

        driver.start(UUID);
        assertThat(driver.powerOff(UUID)).isEqualTo("powered off domain " + UUID);
        assertThat(driver.status(UUID)).isEqualTo(DomainStatus.SHUTOFF);
        assertThat(driver.powerOff(UUID)).isEqualTo("domain " + UUID + " is already shut off");
    }

    @Test
    void rebootOfStoppedDomain() {
        LibvirtDriver driver = driver();
        driver.defineDomain(TestHypervisors.domain(UUID, false, null));

        assertThatThrownBy(() -> driver.reboot(UUID))
                .isInstanceOf(DriverException.class)
                .hasMessageContaining("not running; start it instead");
    }

    @Test
    void startUndefinedDomain() {
        assertThatThrownBy(() -> driver().start(UUID))
                .isInstanceOf(DriverException.class)
                .hasMessage("start failed on hypervisor hv-test: domain " + UUID + " is not defined;"
                        + " define it first");
    }

    @Test
    void statusOfUndefinedDomain() {
        LibvirtDriver driver = driver();

        assertThat(driver.status(UUID)).isEqualTo(DomainStatus.UNDEFINED);
        assertThat(driver.remoteState(UUID)).isEqualTo(RemoteState.undefined());
    }

    @Test
    void remoteStateOfRunningDomain() {
        LibvirtDriver driver = driver();
        driver.defineDomain(TestHypervisors.domain(UUID, false, null));
        driver.start(UUID);

        RemoteState state = driver.remoteState(UUID);

        assertThat(state.status()).isEqualTo(DomainStatus.RUNNING);
        assertThat(state.running()).isTrue();
        assertThat(state.cpuTimeNs()).isPositive();
        assertThat(state.memoryActualKib()).isEqualTo(1024 * 1024);
        assertThat(state.memoryAvailableKib()).isEqualTo(1024 * 1024);
        // The test driver's simulated block statistics grow with the clock.
        assertThat(state.diskReadBytes()).isPositive();
        assertThat(state.diskWriteBytes()).isPositive();
    }

    @Test
    void remoteStateOfStoppedDomain() {
        LibvirtDriver driver = driver();
        driver.defineDomain(TestHypervisors.domain(UUID, false, null));

        RemoteState state = driver.remoteState(UUID);

        assertThat(state.status()).isEqualTo(DomainStatus.SHUTOFF);
        assertThat(state.running()).isFalse();
        assertThat(state.diskReadBytes()).isZero();
    }

    @Test
    void deleteRemovesDomainAndVolumes() {
        LibvirtDriver driver = driver();
        driver.createDisk(new DiskSpec(UUID, TEMPLATE, 20));
        driver.defineDomain(TestHypervisors.domain(UUID, false, null));
        driver.start(UUID);

        String output = driver.delete(UUID);

        assertThat(output).isEqualTo("deleted domain " + UUID + ", volume " + UUID + "_1");
        assertThat(driver.status(UUID)).isEqualTo(DomainStatus.UNDEFINED);
        assertThat(TestHypervisors.domainXml(driver, UUID, 0)).isNull();
        assertThat(TestHypervisors.volumeExists(driver, UUID + "_1")).isFalse();
        assertThat(TestHypervisors.volumeExists(driver, UUID + "_seed")).isFalse();
        assertThat(TestHypervisors.volumeExists(driver, TEMPLATE_VOLUME)).as("template kept").isTrue();
    }

    @Test
    void deleteOfAbsentServer() {
        assertThat(driver().delete(UUID)).isEqualTo("nothing to delete for server " + UUID + ": no domain or volumes");
    }

    @Test
    void invalidServerUuidRejected() {
        assertThatThrownBy(() -> driver().start("../../etc"))
                .isInstanceOf(DriverException.class)
                .hasMessageContaining("server uuid '../../etc' is invalid");
    }

    @Test
    void unreachableUriFailsFast() {
        HypervisorConnection missing = new HypervisorConnection("hv-missing", "libvirt",
                "test:///nonexistent/kiln/hv-missing.xml", POOL, "kvm", null, false, null);
        LibvirtDriver driver = new LibvirtDriver(missing, new LibvirtTimeouts(Duration.ofSeconds(5),
                Duration.ofSeconds(5), Duration.ofSeconds(5)));
        drivers.add(driver);

        assertThatThrownBy(() -> driver.status(UUID))
                .isInstanceOf(DriverException.class)
                .hasMessageContaining("cannot connect to hypervisor hv-missing at"
                        + " test:///nonexistent/kiln/hv-missing.xml");
    }

    @Test
    void missingPoolNamed() {
        HypervisorConnection noPool = new HypervisorConnection("hv-test", "libvirt", TestHypervisors.uri(),
                "nosuchpool", "kvm", null, false, null);
        LibvirtDriver driver = new LibvirtDriver(noPool);
        drivers.add(driver);

        assertThatThrownBy(() -> driver.createDisk(new DiskSpec(UUID, TEMPLATE, 20)))
                .isInstanceOf(DriverException.class)
                .hasMessageContaining("storage pool nosuchpool is not defined on hypervisor hv-test");
    }

    @Test
    void missingConfigurationRejected() {
        HypervisorConnection noUri = new HypervisorConnection("hv-x", "libvirt", " ", POOL, null, null, false, null);

        assertThatThrownBy(() -> new LibvirtDriver(noUri))
                .isInstanceOf(DriverException.class)
                .hasMessage("hypervisor hv-x: uri is missing; the libvirt driver needs it");
    }

    /** Returns the first bytes of a qcow2 image with the given version, backing-file offset and size. */
    static byte[] qcow2Header(int version, long backingFileOffset, long virtualSize) {
        ByteBuffer header = ByteBuffer.allocate(512);
        header.putInt(0, 0x514649fb);
        header.putInt(4, version);
        header.putLong(8, backingFileOffset);
        header.putInt(20, 16);
        header.putLong(24, virtualSize);
        return header.array();
    }
}
