package dev.kiln.servers;

import java.time.OffsetDateTime;

/**
 * A server record. {@code commissionStatus} 0 = created, no OS; 1 = build queued;
 * 2 = building; 3 = built. {@code version} guards every state change (compare-and-set).
 *
 * @param lockedQueueId the queue item that holds the server, or null when it is free
 * @param deleteAfter when a scheduled deletion runs, or null
 * @param cpuThrottle share of CPU time withheld from the guest, in percent (0 = none)
 * @param resumeOnUnsuspend whether unsuspending boots the server (it was running when suspended)
 * @param ipWhitelist JSON list of {@code {"type":4|6,"ip":…,"mask":N}} the interface may also send from
 * @param customXml JSON object of custom libvirt XML parts, each {@code {"xml":…,"enabled":…}}
 * @param backupPlanId the backup plan, or null for none
 */
public record Server(
        long id,
        String uuid,
        long ownerId,
        long hypervisorId,
        long packageId,
        String name,
        String hostname,
        int commissionStatus,
        String state,
        boolean suspended,
        boolean isProtected,
        boolean buildFailed,
        OffsetDateTime built,
        int memoryMb,
        int cpuCores,
        int storageGb,
        int trafficGb,
        int networkSpeedIn,
        int networkSpeedOut,
        Long osTemplateId,
        String encryptedPassword,
        boolean vncEnabled,
        int vncPort,
        String encryptedVncPassword,
        boolean ipv6Enabled,
        int swapMb,
        String mac,
        Long lockedQueueId,
        OffsetDateTime deleteAfter,
        long version,
        OffsetDateTime created,
        OffsetDateTime updated,
        int cpuThrottle,
        boolean resumeOnUnsuspend,
        String ipWhitelist,
        String customXml,
        Long backupPlanId) {

    public static final int CREATED = 0;
    public static final int QUEUED = 1;
    public static final int BUILDING = 2;
    public static final int BUILT = 3;
}
