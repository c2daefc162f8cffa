package dev.kiln.hypervisors;

import java.util.Map;

/**
 * Operations the build pipeline and the power actions need from one hypervisor. One instance
 * serves one host and may be called from several worker threads at once.
 *
 * <p>Every method either completes or throws {@link DriverException}; the returned string is a
 * short, secret-free account of what was done, recorded on the queue item's step.
 */
public interface HypervisorDriver extends AutoCloseable {

    /** Makes sure the template's image is in the host's pool, fetching it once if needed. */
    String ensureTemplate(TemplateImage template);

    /**
     * Creates the server's primary disk from the template, replacing any previous disk of the
     * same server, and sizes it to {@code disk.capacityGb()}.
     */
    String createDisk(DiskSpec disk);

    /** Writes the NoCloud seed (file name to content) for the server, replacing an old one. */
    String writeSeed(String serverUuid, Map<String, byte[]> files);

    /** Defines the domain, replacing (destroying and undefining) an existing one first. */
    String defineDomain(DomainSpec domain);

    String start(String serverUuid);

    /** Asks the guest to shut down through ACPI. */
    String shutdown(String serverUuid);

    String reboot(String serverUuid);

    /** Stops the domain at once, like pulling the power cord. */
    String powerOff(String serverUuid);

    /**
     * Sets a guest user's password through the QEMU guest agent of the running domain. The
     * password is sent to the guest only; outputs and logs never contain it.
     */
    String setUserPassword(String serverUuid, String user, String password);

    /** Destroys and undefines the domain and deletes its volumes; absent parts are skipped. */
    String delete(String serverUuid);

    DomainStatus status(String serverUuid);

    /** Live statistics for {@code ?remoteState=true}; {@code running} false when not defined. */
    RemoteState remoteState(String serverUuid);

    @Override
    void close();
}
