package dev.kiln.inventory;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/**
 * An inventory file: the hypervisor groups, hypervisors, IP blocks, OS templates and packages
 * a provider offers. Entries are matched by name (templates by {@code key}), so applying the
 * same file twice changes nothing.
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public record Inventory(
        List<Group> hypervisorGroups,
        List<HypervisorEntry> hypervisors,
        List<IpBlockEntry> ipBlocks,
        List<TemplateGroupEntry> templateGroups,
        List<TemplateEntry> templates,
        List<PackageEntry> packages) {

    /** A hypervisor group. */
    public record Group(String name, String description, Boolean enabled, Boolean isDefault) {
    }

    /**
     * A hypervisor host.
     *
     * @param driver {@code libvirt} or {@code simulator}
     * @param uri libvirt connection URI (libvirt driver only)
     * @param ip address shown to clients for VNC
     */
    public record HypervisorEntry(String name, String group, String driver, String uri, String ip, String storagePool,
            String domainType, String bridge, Boolean fullCopyDisks, String consoleLogDir, String dataDir,
            Resources resources, Integer maxConcurrentBuilds, Simulator simulator, Boolean enabled, Boolean maintenance) {
    }

    /** Capacity of a hypervisor; {@code maxServers} 0 means no limit on the count. */
    public record Resources(Integer memoryMb, Integer cpuCores, Integer storageGb, Integer maxServers) {
    }

    /** Settings of the simulator driver. */
    public record Simulator(Integer delayMs) {
    }

    /**
     * An IP block: {@code type} ipv4 with a {@code first}..{@code last} range, gateway and
     * netmask, or ipv6 with a {@code prefix} (CIDR) cut into subnets of {@code subnetLength}.
     */
    public record IpBlockEntry(String name, String group, String type, String first, String last, String gateway,
            String netmask, String prefix, Integer subnetLength, List<String> resolvers, Boolean enabled) {
    }

    /** A group of OS templates, such as "Debian". */
    public record TemplateGroupEntry(String name, String description, String icon) {
    }

    /** An OS template; {@code source} is the image's URL ({@code https:} or {@code file:}). */
    public record TemplateEntry(String key, String group, String name, String version, String variant, Integer arch,
            String type, String description, String icon, String source, List<String> runcmd, Boolean vnc, Boolean eol,
            Boolean enabled) {
    }

    /** A package and the template groups it offers. */
    public record PackageEntry(String name, String description, Boolean enabled, Integer memoryMb, Integer cpuCores,
            Integer primaryStorageGb, Integer trafficGb, Integer networkSpeedIn, Integer networkSpeedOut,
            List<String> templateGroups) {
    }
}
