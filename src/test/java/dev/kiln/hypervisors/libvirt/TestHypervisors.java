package dev.kiln.hypervisors.libvirt;

import dev.kiln.hypervisors.DomainSpec;
import dev.kiln.hypervisors.HypervisorConnection;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import javax.xml.xpath.XPathExpressionException;
import javax.xml.xpath.XPathFactory;
import org.libvirt.LibvirtException;
import org.libvirt.StorageVol;
import org.w3c.dom.Document;

/** Simulated hypervisors on libvirt's test driver, and helpers to inspect them. */
final class TestHypervisors {

    static final String POOL = "kiln";
    static final String TEMPLATE_VOLUME = "debian-12.qcow2";
    static final String TEMPLATE_PATH = "/var/lib/kiln/pool/debian-12.qcow2";

    private TestHypervisors() {
    }

    /** Returns the test-driver URI of the simulated host described by {@code hv-test.xml}. */
    static String uri() {
        try {
            Path file = Path.of(Objects.requireNonNull(
                    TestHypervisors.class.getResource("/libvirt/hv-test.xml"), "hv-test.xml").toURI());
            return "test://" + file.toAbsolutePath();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static HypervisorConnection connection(String bridge, boolean fullCopyDisks) {
        return new HypervisorConnection("hv-test", "libvirt", uri(), POOL, "kvm", bridge, fullCopyDisks,
                "/var/log/kiln/console");
    }

    static DomainSpec domain(String uuid, boolean vnc, String vncPassword) {
        return new DomainSpec(uuid, 2, 1024, "52:54:00:ab:cd:ef", vnc, vncPassword);
    }

    static Map<String, byte[]> seedFiles(String hostname) {
        return Map.of(
                "meta-data", ("instance-id: i-1\nlocal-hostname: " + hostname + "\n").getBytes(),
                "user-data", ("#cloud-config\nhostname: " + hostname + "\n").getBytes());
    }

    /** Returns the volume's XML, or null when the pool has no such volume. */
    static Document volumeXml(LibvirtDriver driver, String name) {
        return driver.session().call("inspect volume", name, Duration.ofSeconds(10), connect -> {
            try (NativeHandles handles = new NativeHandles()) {
                StorageVol volume = Volumes.find(handles.add(connect.storagePoolLookupByName(POOL)), name, handles);
                return volume == null ? null : Xml.parse(volume.getXMLDesc(0));
            }
        });
    }

    /** Evaluates an XPath expression on {@code document} and returns the text result. */
    static String xpath(Document document, String expression) {
        try {
            return XPathFactory.newInstance().newXPath().evaluate(expression, document);
        } catch (XPathExpressionException e) {
            throw new IllegalArgumentException(expression, e);
        }
    }

    static boolean volumeExists(LibvirtDriver driver, String name) {
        return volumeXml(driver, name) != null;
    }

    /** Returns the domain's XML as libvirt stores it, or null when it is not defined. */
    static Document domainXml(LibvirtDriver driver, String uuid, int flags) {
        return driver.session().call("inspect domain", uuid, Duration.ofSeconds(10), connect -> {
            try (NativeHandles handles = new NativeHandles()) {
                return Xml.parse(handles.add(connect.domainLookupByName(uuid)).getXMLDesc(flags));
            } catch (LibvirtException e) {
                if (LibvirtErrors.isDomainNotFound(e)) {
                    return null;
                }
                throw e;
            }
        });
    }
}
