package dev.kiln.network;

import dev.kiln.KilnException;
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
                .map((rs, ctx) -> new Ipv4Address(rs.getLong("id"), rs.getLong("block_id"), rs.getString("address"), rs.getInt("position"),
                        rs.getString("gateway"), rs.getString("netmask"), rs.getString("resolver1"), rs.getString("resolver2"),
                        rs.getString("rdns")))
                .list();
    }

    public List<Ipv6Subnet> ipv6OfServer(Handle h, long serverId) {
        List<Ipv6Subnet> out = new ArrayList<>();
        h.createQuery("SELECT s.id, s.subnet_index, b.* FROM ipv6_subnet s JOIN ip_block b ON b.id = s.block_id "
                        + "WHERE s.server_id = :server ORDER BY s.id")
                .bind("server", serverId)
                .map((rs, ctx) -> subnet(rs.getLong(1), mapBlock(rs), rs.getLong("subnet_index")))
                .forEach(out::add);
        return out;
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
        BigInteger base = dev.kiln.network.Addresses.ipv6ToBigInteger(block.ipv6Prefix());
        BigInteger start = base.add(BigInteger.valueOf(index).shiftLeft(128 - block.ipv6SubnetLength()));
        String subnet = Addresses.bigIntegerToIpv6(start);
        String address = Addresses.bigIntegerToIpv6(start.add(BigInteger.ONE));
        return new Ipv6Subnet(id, block.id(), subnet, block.ipv6SubnetLength(), address, block.gateway(),
                block.resolver1(), block.resolver2());
    }

    static IpBlock mapBlock(ResultSet rs) throws SQLException {
        return new IpBlock(rs.getLong("id"), rs.getString("name"), rs.getLong("group_id"), rs.getInt("ip_version"),
                rs.getString("gateway"), rs.getString("netmask"), rs.getString("ipv6_prefix"),
                (Integer) rs.getObject("ipv6_prefix_len"), (Integer) rs.getObject("ipv6_subnet_len"),
                rs.getString("resolver1"), rs.getString("resolver2"));
    }
}
