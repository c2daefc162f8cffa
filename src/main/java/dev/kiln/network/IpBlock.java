package dev.kiln.network;

/**
 * An IP block of a hypervisor group. IPv4 blocks hold individual addresses with a shared
 * gateway and netmask; IPv6 blocks hand out subnets of {@code ipv6SubnetLength} bits from
 * {@code ipv6Prefix/ipv6PrefixLength}.
 */
public record IpBlock(
        long id,
        String name,
        long groupId,
        int ipVersion,
        String gateway,
        String netmask,
        String ipv6Prefix,
        Integer ipv6PrefixLength,
        Integer ipv6SubnetLength,
        String resolver1,
        String resolver2) {
}
