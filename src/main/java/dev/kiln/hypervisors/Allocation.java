package dev.kiln.hypervisors;

/** Resources used by the servers placed on one hypervisor. */
public record Allocation(int servers, long memoryMb, long cpuCores, long storageGb) {

    public static final Allocation NONE = new Allocation(0, 0, 0, 0);

    /** Checks whether a server of the given size still fits on the hypervisor. */
    public boolean fits(Hypervisor h, int memoryMb, int cpuCores, int storageGb) {
        return (h.maxServers() == 0 || servers + 1 <= h.maxServers())
                && this.memoryMb + memoryMb <= h.maxMemoryMb()
                && this.cpuCores + cpuCores <= h.maxCpuCores()
                && this.storageGb + storageGb <= h.maxStorageGb();
    }
}
