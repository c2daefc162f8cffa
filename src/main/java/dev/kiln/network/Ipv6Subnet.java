package dev.kiln.network;

/**
 * An IPv6 subnet assigned to a server.
 *
 * @param subnet the subnet's first address, e.g. {@code 2001:db8:0:1::}
 * @param address the address the guest configures (the subnet's {@code ::1})
 */
public record Ipv6Subnet(long id, long blockId, String subnet, int prefixLength, String address,
        String gateway, String resolver1, String resolver2) {
}
