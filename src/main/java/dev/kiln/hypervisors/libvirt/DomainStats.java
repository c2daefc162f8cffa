package dev.kiln.hypervisors.libvirt;

import dev.kiln.hypervisors.DomainStatus;
import dev.kiln.hypervisors.RemoteState;
import org.libvirt.Domain;
import org.libvirt.DomainBlockStats;
import org.libvirt.DomainInfo;
import org.libvirt.DomainInfo.DomainState;
import org.libvirt.LibvirtException;
import org.libvirt.MemoryStatistic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reads a domain's state and statistics. Runs on a session thread. */
final class DomainStats {

    private static final Logger log = LoggerFactory.getLogger(DomainStats.class);

    // Tags of virDomainMemoryStatTags in libvirt's libvirt-domain.h.
    private static final int MEMORY_UNUSED = 4;
    private static final int MEMORY_AVAILABLE = 5;
    private static final int MEMORY_ACTUAL_BALLOON = 6;
    private static final int MEMORY_RSS = 7;
    /** More than libvirt 9 defines (13), so a newer libvirt's extra tags do not crowd these out. */
    private static final int MEMORY_STATS_REQUESTED = 20;

    private DomainStats() {
    }

    static DomainStatus status(DomainState state) {
        return switch (state) {
            // SHUTDOWN means "being shut down": the guest still runs until it powers off.
            case VIR_DOMAIN_RUNNING, VIR_DOMAIN_BLOCKED, VIR_DOMAIN_SHUTDOWN -> DomainStatus.RUNNING;
            case VIR_DOMAIN_PAUSED, VIR_DOMAIN_PMSUSPENDED -> DomainStatus.PAUSED;
            case VIR_DOMAIN_SHUTOFF -> DomainStatus.SHUTOFF;
            case VIR_DOMAIN_CRASHED -> DomainStatus.CRASHED;
            case VIR_DOMAIN_NOSTATE -> DomainStatus.OTHER;
        };
    }

    /**
     * Returns the domain's statistics. Without a balloon driver in the guest, libvirt reports no
     * memory statistics: then actual and available are the domain's current memory from
     * {@link DomainInfo}, and unused and RSS are 0. Disk figures are 0 while the domain is off.
     */
    static RemoteState read(Domain domain, String diskTarget) throws LibvirtException {
        DomainInfo info = domain.getInfo();
        DomainStatus status = status(info.state);

        long actual = info.memory;
        long available = info.memory;
        long unused = 0;
        long rss = 0;
        long readBytes = 0;
        long writeBytes = 0;
        if (domain.isActive() == 1) {
            for (MemoryStatistic statistic : memoryStats(domain)) {
                switch (statistic.getTag()) {
                    case MEMORY_ACTUAL_BALLOON -> actual = statistic.getValue();
                    case MEMORY_AVAILABLE -> available = statistic.getValue();
                    case MEMORY_UNUSED -> unused = statistic.getValue();
                    case MEMORY_RSS -> rss = statistic.getValue();
                    default -> {
                        // other tags (swap, faults, caches) are not part of RemoteState
                    }
                }
            }
            DomainBlockStats block = blockStats(domain, diskTarget);
            if (block != null) {
                readBytes = block.rd_bytes;
                writeBytes = block.wr_bytes;
            }
        }
        return new RemoteState(status, info.cpuTime, actual, unused, available, rss, readBytes, writeBytes);
    }

    private static MemoryStatistic[] memoryStats(Domain domain) {
        try {
            MemoryStatistic[] stats = domain.memoryStats(MEMORY_STATS_REQUESTED);
            return stats == null ? new MemoryStatistic[0] : stats;
        } catch (LibvirtException e) {
            log.debug("memory statistics unavailable: {}", LibvirtErrors.message(e));
            return new MemoryStatistic[0];
        }
    }

    private static DomainBlockStats blockStats(Domain domain, String diskTarget) {
        try {
            return domain.blockStats(diskTarget);
        } catch (LibvirtException e) {
            log.debug("block statistics for {} unavailable: {}", diskTarget, LibvirtErrors.message(e));
            return null;
        }
    }
}
