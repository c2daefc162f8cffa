package dev.kiln.servers;

import dev.kiln.catalog.OsTemplate;
import dev.kiln.hypervisors.Allocation;
import dev.kiln.hypervisors.Hypervisor;
import dev.kiln.hypervisors.HypervisorGroup;
import dev.kiln.network.Ipv4Address;
import dev.kiln.network.Ipv6Subnet;
import dev.kiln.users.SshKey;
import dev.kiln.users.User;
import java.time.OffsetDateTime;
import java.util.List;

/**
 * Everything the server view shows, loaded in one transaction.
 *
 * @param template the installed or queued template, or null (never built, or removed from the catalog)
 * @param lastTaskOn when the server's latest queue item last changed, or null
 */
public record ServerDetails(
        Server server,
        User owner,
        Hypervisor hypervisor,
        HypervisorGroup group,
        Allocation hypervisorAllocation,
        List<Ipv4Address> ipv4,
        List<Ipv6Subnet> ipv6,
        List<Disk> disks,
        OsTemplate template,
        List<SshKey> sshKeys,
        OffsetDateTime lastTaskOn) {
}
