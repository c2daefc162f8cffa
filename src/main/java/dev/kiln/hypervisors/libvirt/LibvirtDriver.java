package dev.kiln.hypervisors.libvirt;

import dev.kiln.hypervisors.DiskSpec;
import dev.kiln.hypervisors.DomainSpec;
import dev.kiln.hypervisors.DomainStatus;
import dev.kiln.hypervisors.DriverException;
import dev.kiln.hypervisors.HypervisorConnection;
import dev.kiln.hypervisors.HypervisorDriver;
import dev.kiln.hypervisors.RemoteState;
import dev.kiln.hypervisors.TemplateImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives one KVM hypervisor through libvirt: templates, disks and seeds in a storage pool, and
 * the server's domain. Safe for concurrent use by several worker threads.
 *
 * <p>A server's domain is named by its uuid; its disk is volume {@code <uuid>_1} and its NoCloud
 * seed volume {@code <uuid>_seed}, both in {@link HypervisorConnection#storagePool()}.
 */
public final class LibvirtDriver implements HypervisorDriver {

    private static final Logger log = LoggerFactory.getLogger(LibvirtDriver.class);

    private static final Pattern UUID = Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    /** Also drops managed-save images and snapshot metadata, which would block a plain undefine. */
    private static final int UNDEFINE_FLAGS =
            Domain.UndefineFlags.MANAGED_SAVE | Domain.UndefineFlags.SNAPSHOTS_METADATA;

    private final HypervisorConnection connection;
    private final LibvirtTimeouts timeouts;
    private final LibvirtSession session;
    private final PoolStorage storage;

    public LibvirtDriver(HypervisorConnection connection) {
        this(connection, LibvirtTimeouts.DEFAULTS);
    }

    LibvirtDriver(HypervisorConnection connection, LibvirtTimeouts timeouts) {
        this.connection = validate(connection);
        this.timeouts = Objects.requireNonNull(timeouts, "timeouts");
        this.session = new LibvirtSession(connection.name(), connection.uri());
        this.storage = new PoolStorage(connection.name(), connection.storagePool(),
                connection.fullCopyDisks(), session, timeouts);
        log.info("hypervisor {}: libvirt driver for {} (pool {}, domain type {}, bridge {}, {} disks,"
                        + " console log {})", connection.name(), LibvirtSession.redactedUri(connection.uri()),
                connection.storagePool(), DomainXml.domainType(connection),
                connection.bridge() == null ? "none" : connection.bridge(),
                connection.fullCopyDisks() ? "full-copy" : "overlay",
                connection.consoleLogDir() == null ? "none" : connection.consoleLogDir());
    }

    private static HypervisorConnection validate(HypervisorConnection connection) {
        Objects.requireNonNull(connection, "connection");
        requireText(connection.name(), "name", connection);
        requireText(connection.uri(), "uri", connection);
        requireText(connection.storagePool(), "storagePool", connection);
        return connection;
    }

    private static void requireText(String value, String key, HypervisorConnection connection) {
        if (value == null || value.isBlank()) {
            throw new DriverException("hypervisor " + connection.name() + ": " + key
                    + " is missing; the libvirt driver needs it");
        }
    }

    @Override
    public String ensureTemplate(TemplateImage template) {
        return storage.ensureTemplate(Objects.requireNonNull(template, "template"));
    }

    @Override
    public String createDisk(DiskSpec disk) {
        requireServerUuid(disk.serverUuid());
        Objects.requireNonNull(disk.template(), "disk.template");
        return storage.createDisk(disk);
    }

    @Override
    public String writeSeed(String serverUuid, Map<String, byte[]> files) {
        requireServerUuid(serverUuid);
        return storage.writeSeed(serverUuid, files);
    }

    @Override
    public String defineDomain(DomainSpec spec) {
        String uuid = requireServerUuid(spec.serverUuid());
        String xml = DomainXml.build(spec, connection, PoolStorage.diskVolumeName(uuid),
                PoolStorage.seedVolumeName(uuid));

        boolean replaced = call("define domain", uuid, connect -> {
            try (NativeHandles handles = new NativeHandles()) {
                Domain old = findDomain(connect, uuid, handles);
                if (old != null) {
                    destroyIfActive(old);
                    old.undefine(UNDEFINE_FLAGS);
                }
                handles.add(connect.domainDefineXML(xml));
                return old != null;
            }
        });

        log.info("hypervisor {}: defined domain {}{}", connection.name(), uuid,
                replaced ? " (replaced the previous definition)" : "");
        return "defined domain " + uuid + " (" + spec.cpuCores() + " vCPU, " + spec.memoryMb() + " MiB, "
                + (connection.bridge() == null ? "no NIC" : "NIC on " + connection.bridge()) + ", VNC "
                + (spec.vncEnabled() ? "enabled" : "disabled") + ")"
                + (replaced ? ", replacing the previous definition" : "");
    }

    @Override
    public String start(String serverUuid) {
        String uuid = requireServerUuid(serverUuid);
        return call("start domain", uuid, connect -> {
            try (NativeHandles handles = new NativeHandles()) {
                Domain domain = requireDomain(connect, uuid, "start", handles);
                if (domain.isActive() == 1) {
                    return "domain " + uuid + " is already running";
                }
                try {
                    domain.create();
                } catch (LibvirtException e) {
                    // Another caller may have started it since the check above.
                    if (LibvirtErrors.isInvalidOperation(e) && domain.isActive() == 1) {
                        return "domain " + uuid + " is already running";
                    }
                    throw e;
                }
                log.info("hypervisor {}: started domain {}", connection.name(), uuid);
                return "started domain " + uuid;
            }
        });
    }

    @Override
    public String shutdown(String serverUuid) {
        String uuid = requireServerUuid(serverUuid);
        return call("shut down domain", uuid, connect -> {
            try (NativeHandles handles = new NativeHandles()) {
                Domain domain = requireDomain(connect, uuid, "shut down", handles);
                if (domain.isActive() != 1) {
                    return "domain " + uuid + " is already shut off";
                }
                try {
                    domain.shutdown();
                } catch (LibvirtException e) {
                    if (LibvirtErrors.isInvalidOperation(e) && domain.isActive() != 1) {
                        return "domain " + uuid + " is already shut off";
                    }
                    throw e;
                }
                log.info("hypervisor {}: sent ACPI shutdown to domain {}", connection.name(), uuid);
                return "sent ACPI shutdown to domain " + uuid;
            }
        });
    }

    @Override
    public String reboot(String serverUuid) {
        String uuid = requireServerUuid(serverUuid);
        return call("reboot domain", uuid, connect -> {
            try (NativeHandles handles = new NativeHandles()) {
                Domain domain = requireDomain(connect, uuid, "reboot", handles);
                if (domain.isActive() != 1) {
                    throw new DriverException("reboot of domain " + uuid + " on hypervisor "
                            + connection.name() + " failed: the domain is not running; start it instead");
                }
                domain.reboot(0);
                log.info("hypervisor {}: sent reboot to domain {}", connection.name(), uuid);
                return "sent reboot to domain " + uuid;
            }
        });
    }

    @Override
    public String powerOff(String serverUuid) {
        String uuid = requireServerUuid(serverUuid);
        return call("power off domain", uuid, connect -> {
            try (NativeHandles handles = new NativeHandles()) {
                Domain domain = requireDomain(connect, uuid, "power off", handles);
                if (!destroyIfActive(domain)) {
                    return "domain " + uuid + " is already shut off";
                }
                log.info("hypervisor {}: powered off domain {}", connection.name(), uuid);
                return "powered off domain " + uuid;
            }
        });
    }

    @Override
    public String setUserPassword(String serverUuid, String user, String password) {
        String uuid = requireServerUuid(serverUuid);
        return call("set user password", uuid, connect -> {
            try (NativeHandles handles = new NativeHandles()) {
                Domain domain = requireDomain(connect, uuid, "set user password", handles);
                if (domain.isActive() != 1) {
                    throw new DriverException("setting the password of user " + user + " in domain " + uuid + " on hypervisor "
                            + connection.name() + " failed: the domain is not running; boot it first");
                }
                // libvirt passes the password to the QEMU guest agent, which needs the agent
                // installed in the guest; flags 0 means the password is plain text.
                domain.setUserPassword(user, password, 0);
                log.info("hypervisor {}: password of user {} set in domain {}", connection.name(), user, uuid);
                return "password of user " + user + " set through the guest agent of domain " + uuid;
            }
        });
    }

    @Override
    public String delete(String serverUuid) {
        String uuid = requireServerUuid(serverUuid);
        List<String> deleted = call("delete server", uuid, connect -> {
            List<String> parts = new ArrayList<>();
            try (NativeHandles handles = new NativeHandles()) {
                Domain domain = findDomain(connect, uuid, handles);
                if (domain != null) {
                    destroyIfActive(domain);
                    domain.undefine(UNDEFINE_FLAGS);
                    parts.add("domain " + uuid);
                }
            }
            for (String volume : storage.deleteServerVolumes(connect, uuid)) {
                parts.add("volume " + volume);
            }
            return parts;
        });

        if (deleted.isEmpty()) {
            return "nothing to delete for server " + uuid + ": no domain or volumes";
        }
        log.info("hypervisor {}: deleted {}", connection.name(), String.join(", ", deleted));
        return "deleted " + String.join(", ", deleted);
    }

    @Override
    public DomainStatus status(String serverUuid) {
        String uuid = requireServerUuid(serverUuid);
        return call("read domain status", uuid, connect -> {
            try (NativeHandles handles = new NativeHandles()) {
                Domain domain = findDomain(connect, uuid, handles);
                return domain == null ? DomainStatus.UNDEFINED : DomainStats.status(domain.getInfo().state);
            }
        });
    }

    @Override
    public RemoteState remoteState(String serverUuid) {
        String uuid = requireServerUuid(serverUuid);
        return call("read domain statistics", uuid, connect -> {
            try (NativeHandles handles = new NativeHandles()) {
                Domain domain = findDomain(connect, uuid, handles);
                return domain == null ? RemoteState.undefined() : DomainStats.read(domain, DomainXml.DISK_TARGET);
            }
        });
    }

    @Override
    public void close() {
        session.close(timeouts.call());
    }

    /**
     * Returns the session. Tests in this package use it to inspect libvirt's state through the
     * driver's own connection, because each connection to a test-driver file gets its own copy.
     */
    LibvirtSession session() {
        return session;
    }

    private <T> T call(String operation, String uuid, LibvirtSession.LibvirtCall<T> body) {
        return session.call(operation, "domain " + uuid, timeouts.call(), body);
    }

    /** Returns the domain named {@code uuid}, or null when libvirt has no such domain. */
    private static Domain findDomain(Connect connect, String uuid, NativeHandles handles) throws LibvirtException {
        try {
            return handles.add(connect.domainLookupByName(uuid));
        } catch (LibvirtException e) {
            if (LibvirtErrors.isDomainNotFound(e)) {
                return null;
            }
            throw e;
        }
    }

    private Domain requireDomain(Connect connect, String uuid, String action, NativeHandles handles)
            throws LibvirtException {
        Domain domain = findDomain(connect, uuid, handles);
        if (domain == null) {
            throw new DriverException(action + " failed on hypervisor " + connection.name() + ": domain "
                    + uuid + " is not defined; define it first");
        }
        return domain;
    }

    /**
     * Destroys the domain when it runs and returns whether it did. A domain that stops between
     * the check and the call counts as already stopped.
     */
    private static boolean destroyIfActive(Domain domain) throws LibvirtException {
        if (domain.isActive() != 1) {
            return false;
        }
        try {
            domain.destroy();
            return true;
        } catch (LibvirtException e) {
            if (LibvirtErrors.isInvalidOperation(e)) {
                return false;
            }
            throw e;
        }
    }

    private static String requireServerUuid(String serverUuid) {
        if (serverUuid == null || !UUID.matcher(serverUuid).matches()) {
            throw new DriverException("server uuid '" + serverUuid + "' is invalid: expected the"
                    + " 8-4-4-4-12 hex form, such as 8b0e2a8e-7f51-4d3c-9a0e-3c1f2f0f7a11");
        }
        return serverUuid;
    }
}
