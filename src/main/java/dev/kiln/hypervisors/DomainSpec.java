package dev.kiln.hypervisors;

/**
 * Everything the driver needs to define a server's domain.
 *
 * @param serverUuid domain name and uuid
 * @param cpuCores virtual CPUs
 * @param memoryMb memory in MiB
 * @param mac MAC address of the primary interface
 * @param vncEnabled whether a VNC display is defined
 * @param vncPassword VNC password, or null when VNC is disabled
 */
public record DomainSpec(
        String serverUuid,
        int cpuCores,
        int memoryMb,
        String mac,
        boolean vncEnabled,
        String vncPassword) {

    @Override
    public String toString() {
        // The VNC password is a secret: keep it out of logs and step records.
        return "DomainSpec[" + serverUuid + ", cpus=" + cpuCores + ", memoryMb=" + memoryMb
                + ", mac=" + mac + ", vnc=" + vncEnabled + "]";
    }
}
