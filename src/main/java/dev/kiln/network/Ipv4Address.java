package dev.kiln.network;

/** An IPv4 address assigned to a server, with its block's network settings. */
public record Ipv4Address(
        long id,
        long blockId,
        String address,
        int position,
        String gateway,
        String netmask,
        String resolver1,
        String resolver2,
        String rdns) {

    /** Prefix length of the netmask, e.g. 24 for 255.255.255.0. */
    public int prefixLength() {
        return Addresses.prefixLength(netmask);
    }
}
