package dev.kiln.hypervisors.libvirt;

import static dev.kiln.hypervisors.libvirt.TestHypervisors.xpath;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.hypervisors.DomainSpec;
import dev.kiln.hypervisors.DriverException;
import dev.kiln.hypervisors.HypervisorConnection;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

class DomainXmlTest {

    private static final String UUID = "0f8fad5b-d9cb-469f-a165-70867728950e";

    private static HypervisorConnection connection(String domainType, String bridge, String consoleLogDir) {
        return new HypervisorConnection("hv-1", "libvirt", "qemu:///system", "kiln", domainType, bridge, false,
                consoleLogDir);
    }

    private static Document build(DomainSpec spec, HypervisorConnection connection) {
        return Xml.parse(DomainXml.build(spec, connection, UUID + "_1", UUID + "_seed"));
    }

    @Test
    void valuesEscapedNotInterpreted() {
        String password = "p'\"<&>w";
        String bridge = "br0'/><evil a='";
        DomainSpec spec = new DomainSpec(UUID, 1, 512, "52:54:00:00:00:01", true, password);

        Document xml = build(spec, connection("qemu", bridge, "/var/log/kiln"));

        assertThat(xpath(xml, "/domain/devices/graphics/@passwd")).isEqualTo(password);
        assertThat(xpath(xml, "/domain/devices/interface/source/@bridge")).isEqualTo(bridge);
        assertThat(xpath(xml, "count(//evil)")).isEqualTo("0");
    }

    @Test
    void memoryInMibAndTypeFromConnection() {
        Document xml = build(new DomainSpec(UUID, 3, 1536, "52:54:00:00:00:01", false, null),
                connection("qemu", null, null));

        assertThat(xpath(xml, "/domain/@type")).isEqualTo("qemu");
        assertThat(xpath(xml, "/domain/memory")).isEqualTo("1536");
        assertThat(xpath(xml, "/domain/memory/@unit")).isEqualTo("MiB");
        assertThat(xpath(xml, "/domain/vcpu")).isEqualTo("3");
        assertThat(xpath(xml, "/domain/os/type")).isEqualTo("hvm");
        assertThat(xpath(xml, "/domain/os/type/@machine")).isEqualTo("pc");
        assertThat(xpath(xml, "/domain/os/type/@arch")).isEqualTo("x86_64");
    }

    @Test
    void domainTypeDefaultsToKvm() {
        Document xml = build(new DomainSpec(UUID, 1, 512, null, false, null), connection(null, null, null));

        assertThat(xpath(xml, "/domain/@type")).isEqualTo("kvm");
    }

    @Test
    void consoleLogOnlyWithLogDir() {
        DomainSpec spec = new DomainSpec(UUID, 1, 512, null, false, null);

        Document withLog = build(spec, connection("qemu", null, "/var/log/kiln/"));
        Document withoutLog = build(spec, connection("qemu", null, null));

        assertThat(xpath(withLog, "/domain/devices/serial/log/@file")).isEqualTo("/var/log/kiln/" + UUID + ".log");
        assertThat(xpath(withLog, "/domain/devices/serial/log/@append")).isEqualTo("off");
        assertThat(xpath(withoutLog, "count(/domain/devices/serial/log)")).isEqualTo("0");
        assertThat(xpath(withoutLog, "/domain/devices/serial/@type")).isEqualTo("pty");
        assertThat(xpath(withoutLog, "/domain/devices/console/target/@type")).isEqualTo("serial");
    }

    @Test
    void vncWithoutPasswordHasNoPasswdAttribute() {
        Document xml = build(new DomainSpec(UUID, 1, 512, null, true, null), connection("qemu", null, null));

        assertThat(xpath(xml, "/domain/devices/graphics/@autoport")).isEqualTo("yes");
        assertThat(xpath(xml, "count(/domain/devices/graphics/@passwd)")).isEqualTo("0");
    }

    @Test
    void invalidMacRejectedWhenNicDefined() {
        DomainSpec spec = new DomainSpec(UUID, 1, 512, "52:54:00:00:01", false, null);

        assertThatThrownBy(() -> DomainXml.build(spec, connection("qemu", "br0", null), "d", "s"))
                .isInstanceOf(DriverException.class)
                .hasMessageContaining("MAC address '52:54:00:00:01' is invalid");
    }

    @Test
    void zeroCpusRejected() {
        DomainSpec spec = new DomainSpec(UUID, 0, 512, null, false, null);

        assertThatThrownBy(() -> DomainXml.build(spec, connection("qemu", null, null), "d", "s"))
                .isInstanceOf(DriverException.class)
                .hasMessageContaining("cpuCores 0 is invalid");
    }
}
