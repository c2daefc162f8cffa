package dev.kiln.network;

import dev.kiln.KilnException;
import dev.kiln.store.Row;
import java.math.BigInteger;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * IP blocks and the addresses assigned from them. An address is taken by a compare-and-set
 * update ({@code WHERE server_id IS NULL}), so two concurrent requests never receive the same
 * one; a subnet by an insert under a unique (block, index) constraint.
 */
public final class NetworkStore {

    /** Attempts at taking a free address before reporting the block as contended. */
    private static final int CLAIM_ATTEMPTS = 50;

    /** Most addresses one range may add, a /16. */
    private static final int MAX_IPV4_RANGE = 65_536;

    public List<IpBlock> blocksOfGroup(Handle h, long groupId, int ipVersion) {
        return h.createQuery("SELECT * FROM ip_block WHERE group_id = :group AND ip_version = :version AND enabled ORDER BY id")
                .bind("group", groupId).bind("version", ipVersion).map((rs, ctx) -> mapBlock(rs)).list();
    }

    public long freeIpv4Count(Handle h, long groupId) {
        return h.createQuery("SELECT COUNT(*) FROM ipv4_address a JOIN ip_block b ON b.id = a.block_id "
                        + "WHERE b.group_id = :group AND b.enabled AND a.server_id IS NULL")
                .bind("group", groupId).mapTo(Long.class).one();
    }

    /**
     * Assigns {@code count} free IPv4 addresses of the group's blocks to the server.
     *
     * @return the assigned addresses, or an empty list when the group has fewer free ones
     */
    public List<Ipv4Address> assignIpv4(Handle h, long groupId, long serverId, int count, OffsetDateTime now) {
        List<Long> taken = new ArrayList<>();
        int position = h.createQuery("SELECT COALESCE(MAX(position), 0) FROM ipv4_address WHERE server_id = :server")
                .bind("server", serverId).mapTo(Integer.class).one();
        for (int attempt = 0; taken.size() < count && attempt < CLAIM_ATTEMPTS; attempt++) {
            List<Long> candidates = h.createQuery("SELECT a.id FROM ipv4_address a JOIN ip_block b ON b.id = a.block_id "
                            + "WHERE b.group_id = :group AND b.enabled AND a.server_id IS NULL ORDER BY a.id LIMIT :limit")
                    .bind("group", groupId).bind("limit", (count - taken.size()) * 4 + 4).mapTo(Long.class).list();
            if (candidates.isEmpty()) {
                return List.of();
            }
            for (Long id : candidates) {
                if (taken.size() == count) {
                    break;
                }
                int updated = h.createUpdate("UPDATE ipv4_address SET server_id = :server, position = :position, assigned = :now "
                                + "WHERE id = :id AND server_id IS NULL")
                        .bind("server", serverId).bind("position", position + taken.size() + 1).bind("now", now).bind("id", id)
                        .execute();
                if (updated == 1) {
                    taken.add(id);
                }
            }
        }
        if (taken.size() < count) {
            throw new KilnException("IPv4 addresses of hypervisor group " + groupId
                    + " are contended by concurrent requests; retry the request");
        }
        return ipv4OfServer(h, serverId);
    }

    public List<Ipv4Address> ipv4OfServer(Handle h, long serverId) {
        return h.createQuery("SELECT a.id, a.block_id, a.address, a.position, a.rdns, b.gateway, b.netmask, b.resolver1, b.resolver2 "
                        + "FROM ipv4_address a JOIN ip_block b ON b.id = a.block_id WHERE a.server_id = :server ORDER BY a.position, a.id")
                .bind("server", serverId)
                .map(Row.mapper(NetworkStore::mapIpv4))
                .list();
    }

    /** Maps an assigned {@code ipv4_address} row joined with its block's gateway, netmask and resolvers. */
    public static Ipv4Address mapIpv4(Row r) throws SQLException {
        return new Ipv4Address(r.getLong("id"), r.getLong("block_id"), r.getString("address"), r.getInt("position"),
                r.getString("gateway"), r.getString("netmask"), r.getString("resolver1"), r.getString("resolver2"),
                r.getString("rdns"));
    }

    public List<Ipv6Subnet> ipv6OfServer(Handle h, long serverId) {
        List<Ipv6Subnet> out = new ArrayList<>();
        h.createQuery("SELECT s.id, s.block_id, s.subnet_index, b.ipv6_prefix, b.ipv6_subnet_len, b.gateway, b.resolver1, "
                        + "b.resolver2 FROM ipv6_subnet s JOIN ip_block b ON b.id = s.block_id WHERE s.server_id = :server ORDER BY s.id")
                .bind("server", serverId)
                .map(Row.mapper(NetworkStore::mapIpv6))
                .forEach(out::add);
        return out;
    }

    /**
     * Maps an {@code ipv6_subnet} row joined with its block's {@code ipv6_prefix},
     * {@code ipv6_subnet_len}, gateway and resolvers.
     */
    public static Ipv6Subnet mapIpv6(Row r) throws SQLException {
        return subnet(r.getLong("id"), r.getLong("block_id"), r.getString("ipv6_prefix"), r.getInt("ipv6_subnet_len"),
                r.getLong("subnet_index"), r.getString("gateway"), r.getString("resolver1"), r.getString("resolver2"));
    }

    /**
     * Assigns the next free subnet of the group's first IPv6 block with room, unless the server
     * already has one.
     *
     * @return the server's subnet, or empty when the group has no IPv6 block or no room
     */
    public Optional<Ipv6Subnet> assignIpv6(Handle h, long groupId, long serverId, OffsetDateTime now) {
        List<Ipv6Subnet> existing = ipv6OfServer(h, serverId);
        if (!existing.isEmpty()) {
            return Optional.of(existing.get(0));
        }
        for (IpBlock block : blocksOfGroup(h, groupId, 6)) {
            long capacity = 1L << Math.min(62, block.ipv6SubnetLength() - block.ipv6PrefixLength());
            long next = h.createQuery("SELECT COALESCE(MAX(subnet_index), 0) + 1 FROM ipv6_subnet WHERE block_id = :block")
                    .bind("block", block.id()).mapTo(Long.class).one();
            // Index 0 is the block's own first subnet, often the routers'; it is never handed out.
            for (long index = next; index < capacity && index < next + CLAIM_ATTEMPTS; index++) {
                boolean inserted = h.createUpdate("INSERT INTO ipv6_subnet (block_id, subnet_index, server_id, assigned) "
                                + "SELECT :block, :index, :server, :now WHERE NOT EXISTS "
                                + "(SELECT 1 FROM ipv6_subnet WHERE block_id = :block AND subnet_index = :index)")
                        .bind("block", block.id()).bind("index", index).bind("server", serverId).bind("now", now)
                        .execute() == 1;
                if (inserted) {
                    return Optional.of(ipv6OfServer(h, serverId).get(0));
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Adds the addresses {@code first}..{@code last} to an IPv4 block, skipping the gateway and
     * addresses that any block already has. Both ends must lie in the gateway's network, at most
     * {@value #MAX_IPV4_RANGE} addresses apart.
     *
     * @return how many addresses were new
     */
    public int addIpv4Range(Handle h, long blockId, long first, long last, long gateway, int prefixLength) {
        if (last < first || last - first >= MAX_IPV4_RANGE) {
            throw new dev.kiln.ValidationException("The range " + Addresses.longToIpv4(first) + " to " + Addresses.longToIpv4(last)
                    + " must be ascending and at most " + MAX_IPV4_RANGE + " addresses.");
        }
        long mask = prefixLength == 0 ? 0 : (0xFFFFFFFFL << (32 - prefixLength)) & 0xFFFFFFFFL;
        if ((first & mask) != (gateway & mask) || (last & mask) != (gateway & mask)) {
            throw new dev.kiln.ValidationException("The range " + Addresses.longToIpv4(first) + " to " + Addresses.longToIpv4(last)
                    + " lies outside the block's network " + Addresses.longToIpv4(gateway & mask) + "/" + prefixLength + ".");
        }
        int added = 0;
        for (long value = first; value <= last; value++) {
            if (value == gateway) {
                continue;
            }
            added += h.createUpdate("INSERT INTO ipv4_address (block_id, address) SELECT :block, :address "
                            + "WHERE NOT EXISTS (SELECT 1 FROM ipv4_address WHERE address = :address)")
                    .bind("block", blockId).bind("address", Addresses.longToIpv4(value)).execute();
        }
        return added;
    }

    public void releaseAll(Handle h, long serverId) {
        h.createUpdate("UPDATE ipv4_address SET server_id = NULL, position = NULL, assigned = NULL, rdns = NULL WHERE server_id = :server")
                .bind("server", serverId).execute();
        h.createUpdate("DELETE FROM ipv6_subnet WHERE server_id = :server").bind("server", serverId).execute();
    }

    static Ipv6Subnet subnet(long id, IpBlock block, long index) {
        return subnet(id, block.id(), block.ipv6Prefix(), block.ipv6SubnetLength(), index, block.gateway(), block.resolver1(),
                block.resolver2());
    }

    /** Returns subnet number {@code index} of a block. The server's address is the one after the subnet's own address. */
    private static Ipv6Subnet subnet(long id, long blockId, String blockPrefix, int subnetLength, long index, String gateway,
            String resolver1, String resolver2) {
        BigInteger base = Addresses.ipv6ToBigInteger(blockPrefix);
        BigInteger start = base.add(BigInteger.valueOf(index).shiftLeft(128 - subnetLength));
        String subnet = Addresses.bigIntegerToIpv6(start);
        String address = Addresses.bigIntegerToIpv6(start.add(BigInteger.ONE));
        return new Ipv6Subnet(id, blockId, subnet, subnetLength, address, gateway, resolver1, resolver2);
    }

    static IpBlock mapBlock(ResultSet rs) throws SQLException {
        return new IpBlock(rs.getLong("id"), rs.getString("name"), rs.getLong("group_id"), rs.getInt("ip_version"),
                rs.getString("gateway"), rs.getString("netmask"), rs.getString("ipv6_prefix"),
                (Integer) rs.getObject("ipv6_prefix_len"), (Integer) rs.getObject("ipv6_subnet_len"),
                rs.getString("resolver1"), rs.getString("resolver2"));
    }
}
