package dev.kiln.hypervisors;

/** Lifecycle state of a domain as the hypervisor reports it. */
public enum DomainStatus {
    UNDEFINED,
    RUNNING,
    PAUSED,
    SHUTOFF,
    CRASHED,
    OTHER;

    /** The state word VirtFusion shows in {@code remoteState.state}. */
    public String word() {
        return switch (this) {
            case UNDEFINED -> "undefined";
            case RUNNING -> "running";
            case PAUSED -> "paused";
            case SHUTOFF -> "shutoff";
            case CRASHED -> "crashed";
            case OTHER -> "unknown";
        };
    }
}
