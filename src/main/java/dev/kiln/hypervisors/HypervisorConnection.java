package dev.kiln.hypervisors;

/**
 * How to reach one hypervisor, as stored from the inventory.
 *
 * @param name hypervisor name, used in log lines
 * @param driver {@code libvirt} or {@code simulator}
 * @param uri libvirt connection URI ({@code qemu+ssh://…}, {@code qemu:///system}, {@code test:///…})
 * @param storagePool libvirt storage pool that holds templates, disks and seeds
 * @param domainType libvirt domain type: {@code kvm} in production, {@code qemu} for emulation
 * @param bridge host bridge for guest interfaces, or null for none
 * @param fullCopyDisks true to copy the template into each disk instead of a qcow2 overlay
 * @param consoleLogDir directory on the host for each domain's serial log ({@code <uuid>.log}),
 *     or null for a pty console only
 */
public record HypervisorConnection(
        String name,
        String driver,
        String uri,
        String storagePool,
        String domainType,
        String bridge,
        boolean fullCopyDisks,
        String consoleLogDir) {
}
