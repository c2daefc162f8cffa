package dev.kiln.hypervisors.libvirt;

import static dev.kiln.hypervisors.libvirt.Xml.child;
import static dev.kiln.hypervisors.libvirt.Xml.childWith;

import dev.kiln.hypervisors.DomainSpec;
import dev.kiln.hypervisors.DriverException;
import dev.kiln.hypervisors.HypervisorConnection;
import java.util.regex.Pattern;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * Builds the libvirt domain XML of a server. The disk and the seed are {@code type='volume'}
 * disks that name the pool and the volume, so libvirt resolves their paths on the host itself.
 */
final class DomainXml {

    /** Guest device name of the primary disk, also used for block statistics. */
    static final String DISK_TARGET = "vda";

    static final String DEFAULT_DOMAIN_TYPE = "kvm";

    private static final Pattern MAC = Pattern.compile("(?i)[0-9a-f]{2}(:[0-9a-f]{2}){5}");

    private DomainXml() {
    }

    /**
     * Returns the domain XML. It contains the VNC password when VNC is enabled, so callers must
     * not log it.
     */
    static String build(DomainSpec spec, HypervisorConnection connection, String diskVolume,
            String seedVolume) {
        validate(spec, connection);

        Document document = Xml.newDocument("domain");
        Element domain = document.getDocumentElement();
        domain.setAttribute("type", domainType(connection));
        child(domain, "name", spec.serverUuid());
        child(domain, "uuid", spec.serverUuid());
        childWith(domain, "memory", "unit", "MiB").setTextContent(Integer.toString(spec.memoryMb()));
        childWith(domain, "currentMemory", "unit", "MiB")
                .setTextContent(Integer.toString(spec.memoryMb()));
        child(domain, "vcpu", Integer.toString(spec.cpuCores()));

        Element os = child(domain, "os");
        childWith(os, "type", "arch", "x86_64", "machine", "pc").setTextContent("hvm");
        childWith(os, "boot", "dev", "hd");
        // Without ACPI a guest that powers itself off only halts, and the domain stays running.
        child(child(domain, "features"), "acpi");

        child(domain, "on_poweroff", "destroy");
        child(domain, "on_reboot", "restart");
        child(domain, "on_crash", "destroy");

        Element devices = child(domain, "devices");
        appendDisk(devices, connection.storagePool(), diskVolume);
        appendSeed(devices, connection.storagePool(), seedVolume);
        if (connection.bridge() != null) {
            appendInterface(devices, spec.mac(), connection.bridge());
        }
        if (spec.vncEnabled()) {
            appendVnc(devices, spec.vncPassword());
        }
        appendSerialConsole(devices, connection.consoleLogDir(), spec.serverUuid());
        appendGuestAgentChannel(devices);
        return Xml.serialize(document);
    }

    static String domainType(HypervisorConnection connection) {
        String type = connection.domainType();
        return type == null || type.isBlank() ? DEFAULT_DOMAIN_TYPE : type;
    }

    private static void validate(DomainSpec spec, HypervisorConnection connection) {
        if (spec.cpuCores() < 1) {
            throw new DriverException("domain " + spec.serverUuid() + ": cpuCores " + spec.cpuCores()
                    + " is invalid: a domain needs at least 1 virtual CPU");
        }
        if (spec.memoryMb() < 1) {
            throw new DriverException("domain " + spec.serverUuid() + ": memoryMb " + spec.memoryMb()
                    + " is invalid: memory must be at least 1 MiB");
        }
        if (connection.bridge() != null && (spec.mac() == null || !MAC.matcher(spec.mac()).matches())) {
            throw new DriverException("domain " + spec.serverUuid() + ": MAC address '" + spec.mac()
                    + "' is invalid: expected six colon-separated hex pairs such as 52:54:00:12:34:56");
        }
    }

    private static void appendDisk(Element devices, String pool, String volume) {
        Element disk = childWith(devices, "disk", "type", "volume", "device", "disk");
        childWith(disk, "driver", "name", "qemu", "type", "qcow2");
        childWith(disk, "source", "pool", pool, "volume", volume);
        childWith(disk, "target", "dev", DISK_TARGET, "bus", "virtio");
    }

    /** Appends the NoCloud seed as an IDE cdrom, because small guest kernels may lack an AHCI (SATA) driver. */
    private static void appendSeed(Element devices, String pool, String volume) {
        Element cdrom = childWith(devices, "disk", "type", "volume", "device", "cdrom");
        childWith(cdrom, "driver", "name", "qemu", "type", "raw");
        childWith(cdrom, "source", "pool", pool, "volume", volume);
        childWith(cdrom, "target", "dev", "hda", "bus", "ide");
        child(cdrom, "readonly");
    }

    private static void appendInterface(Element devices, String mac, String bridge) {
        Element nic = childWith(devices, "interface", "type", "bridge");
        childWith(nic, "mac", "address", mac.toLowerCase(java.util.Locale.ROOT));
        childWith(nic, "source", "bridge", bridge);
        childWith(nic, "model", "type", "virtio");
    }

    private static void appendVnc(Element devices, String password) {
        Element graphics = childWith(devices, "graphics", "type", "vnc", "port", "-1", "autoport", "yes");
        if (password != null && !password.isEmpty()) {
            graphics.setAttribute("passwd", password);
        }
    }

    /** The virtio channel of the QEMU guest agent, which password resets go through. */
    private static void appendGuestAgentChannel(Element devices) {
        Element channel = childWith(devices, "channel", "type", "unix");
        childWith(channel, "target", "type", "virtio", "name", "org.qemu.guest_agent.0");
    }

    private static void appendSerialConsole(Element devices, String logDir, String serverUuid) {
        Element serial = childWith(devices, "serial", "type", "pty");
        if (logDir != null && !logDir.isBlank()) {
            // append='off' truncates the log at each start, so the log shows the latest boot.
            childWith(serial, "log", "file", consoleLogPath(logDir, serverUuid), "append", "off");
        }
        childWith(serial, "target", "port", "0");
        Element console = childWith(devices, "console", "type", "pty");
        childWith(console, "target", "type", "serial", "port", "0");
    }

    static String consoleLogPath(String logDir, String serverUuid) {
        String dir = logDir.endsWith("/") ? logDir.substring(0, logDir.length() - 1) : logDir;
        return dir + "/" + serverUuid + ".log";
    }
}
