package dev.kiln.hypervisors;

/**
 * Live statistics of a domain. Memory figures are KiB, disk figures bytes, {@code cpuTimeNs}
 * the guest's cumulated CPU time.
 */
public record RemoteState(
        DomainStatus status,
        long cpuTimeNs,
        long memoryActualKib,
        long memoryUnusedKib,
        long memoryAvailableKib,
        long memoryRssKib,
        long diskReadBytes,
        long diskWriteBytes) {

    public static RemoteState undefined() {
        return new RemoteState(DomainStatus.UNDEFINED, 0, 0, 0, 0, 0, 0, 0);
    }

    public boolean running() {
        return status == DomainStatus.RUNNING;
    }
}
