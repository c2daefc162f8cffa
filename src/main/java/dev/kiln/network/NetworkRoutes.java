package dev.kiln.network;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.NotFoundException;
import dev.kiln.Times;
import dev.kiln.ValidationException;
import dev.kiln.http.Json;
import dev.kiln.http.JsonBody;
import dev.kiln.http.Paginator;
import dev.kiln.http.Responses;
import dev.kiln.http.Routes;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.math.BigInteger;
import java.time.OffsetDateTime;
import java.util.List;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * {@code GET /connectivity/ipblocks}, {@code GET /connectivity/ipblocks/{id}} with usage counts, and
 * {@code POST /connectivity/ipblocks/{id}/ipv4} to add an address range.
 */
public final class NetworkRoutes implements Routes {

    private final Jdbi jdbi;

    public NetworkRoutes(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.get("/api/v1/connectivity/ipblocks", this::list);
        routes.get("/api/v1/connectivity/ipblocks/{id}", this::get);
        routes.post("/api/v1/connectivity/ipblocks/{id}/ipv4", this::addRange);
    }

    /** Adds {@code start}..{@code end} ({@code type} must be {@code range}) to an IPv4 block; 204. */
    private void addRange(Context ctx) {
        long id = Responses.id(ctx, "id", "ip block not found");
        JsonBody body = Responses.body(ctx);
        String type = body.requiredString("type");
        String start = body.requiredString("start");
        String end = body.requiredString("end");
        body.validate();
        if (!"range".equals(type)) {
            throw new ValidationException("The type field must be range.");
        }
        long first = Addresses.ipv4ToLong(start);
        long last = Addresses.ipv4ToLong(end);
        jdbi.useTransaction(h -> {
            IpBlock block = h.createQuery("SELECT * FROM ip_block WHERE id = :id").bind("id", id)
                    .map((rs, c) -> NetworkStore.mapBlock(rs)).findOne()
                    .orElseThrow(() -> new NotFoundException("ip block not found"));
            if (block.ipVersion() != 4) {
                throw new ValidationException("IP block " + id + " is an IPv6 block; IPv4 ranges go into IPv4 blocks.");
            }
            new NetworkStore().addIpv4Range(h, id, first, last, Addresses.ipv4ToLong(block.gateway()),
                    Addresses.prefixLength(block.netmask()));
        });
        Responses.noContent(ctx);
    }

    private void list(Context ctx) {
        List<ObjectNode> rows = jdbi.withHandle(h -> h.createQuery("SELECT id FROM ip_block ORDER BY id").mapTo(Long.class).list()
                .stream().map(id -> view(h, id)).toList());
        Responses.json(ctx, 200, Paginator.of(ctx).bodyOf(ctx, rows));
    }

    private void get(Context ctx) {
        long id = Responses.id(ctx, "id", "ip block not found");
        Responses.data(ctx, jdbi.withHandle(h -> view(h, id)));
    }

    private static ObjectNode view(Handle h, long id) {
        var row = h.createQuery("SELECT * FROM ip_block WHERE id = :id").bind("id", id)
                .map((rs, c) -> new Row(NetworkStore.mapBlock(rs), rs.getBoolean("enabled"),
                        rs.getObject("created", OffsetDateTime.class), rs.getObject("updated", OffsetDateTime.class)))
                .findOne().orElseThrow(() -> new NotFoundException("ip block not found"));
        IpBlock b = row.block();
        ObjectNode out = Json.object();
        out.put("id", b.id());
        out.put("type", b.ipVersion());
        out.put("name", b.name());
        ObjectNode v4 = out.putObject("ipv4");
        ObjectNode v6 = out.putObject("ipv6");
        if (b.ipVersion() == 4) {
            long total = count(h, "SELECT COUNT(*) FROM ipv4_address WHERE block_id = :id", id);
            long used = count(h, "SELECT COUNT(*) FROM ipv4_address WHERE block_id = :id AND server_id IS NOT NULL", id);
            v4.put("gateway", b.gateway());
            v4.put("netmask", b.netmask());
            resolvers(v4, b);
            v4.put("total", total);
            v4.put("usedTotal", used);
            v4.put("freeTotal", total - used);
            emptyIpv6(v6);
        } else {
            v4.putNull("gateway");
            v4.putNull("netmask");
            v4.putObject("resolvers").putNull("primary").putNull("secondary");
            v4.put("total", 0);
            v4.put("usedTotal", 0);
            v4.put("freeTotal", 0);
            long used = count(h, "SELECT COUNT(*) FROM ipv6_subnet WHERE block_id = :id", id);
            BigInteger total = BigInteger.ONE.shiftLeft(b.ipv6SubnetLength() - b.ipv6PrefixLength()).subtract(BigInteger.ONE);
            v6.put("gateway", b.gateway());
            resolvers(v6, b);
            v6.put("subnet", b.ipv6Prefix());
            v6.put("from", b.ipv6PrefixLength());
            v6.put("to", b.ipv6SubnetLength());
            v6.putArray("restricted");
            v6.put("total", total);
            v6.put("generatedTotal", used);
            v6.put("usedTotal", used);
            v6.put("freeTotal", total.subtract(BigInteger.valueOf(used)));
            v6.put("freeGenerated", 0);
            v6.put("blacklistedTotal", 0);
        }
        out.put("rdnsType", 0);
        out.putNull("rdnsZoneId");
        out.put("networkProfile", 0);
        out.putNull("routeBlock");
        out.put("dhcp", 0);
        out.put("enabled", row.enabled());
        out.put("created", Times.offset(row.created()));
        out.put("updated", Times.offset(row.updated()));
        return out;
    }

    private static void emptyIpv6(ObjectNode v6) {
        v6.putNull("gateway");
        v6.putObject("resolvers").putNull("primary").putNull("secondary");
        v6.putNull("subnet");
        v6.put("from", 48);
        v6.put("to", 64);
        v6.putArray("restricted");
        for (String key : new String[] {"total", "generatedTotal", "usedTotal", "freeTotal", "freeGenerated", "blacklistedTotal"}) {
            v6.put(key, 0);
        }
    }

    private static void resolvers(ObjectNode node, IpBlock b) {
        ObjectNode resolvers = node.putObject("resolvers");
        if (b.resolver1() == null) {
            resolvers.putNull("primary");
        } else {
            resolvers.put("primary", b.resolver1());
        }
        if (b.resolver2() == null) {
            resolvers.putNull("secondary");
        } else {
            resolvers.put("secondary", b.resolver2());
        }
    }

    private static long count(Handle h, String sql, long id) {
        return h.createQuery(sql).bind("id", id).mapTo(Long.class).one();
    }

    private record Row(IpBlock block, boolean enabled, OffsetDateTime created, OffsetDateTime updated) {
    }
}
