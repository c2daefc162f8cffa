package dev.kiln.hypervisors;

import java.time.OffsetDateTime;

/**
 * A hypervisor host with its capacity. {@code maxServers} 0 means no limit on the count.
 *
 * @param maxConcurrentBuilds queue items of this host that may run at the same time
 * @param simulatorDelayMs time each simulated operation takes (simulator driver only)
 */
public record Hypervisor(
        long id,
        String name,
        long groupId,
        String ip,
        HypervisorConnection connection,
        String dataDir,
        int maxMemoryMb,
        int maxCpuCores,
        int maxStorageGb,
        int maxServers,
        int maxConcurrentBuilds,
        int simulatorDelayMs,
        boolean enabled,
        boolean maintenance,
        OffsetDateTime created,
        OffsetDateTime updated) {
}
