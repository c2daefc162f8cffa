package dev.kiln.servers;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.NotFoundException;
import dev.kiln.Times;
import dev.kiln.http.Json;
import dev.kiln.http.Paginator;
import dev.kiln.http.Responses;
import dev.kiln.http.Routes;
import dev.kiln.hypervisors.HypervisorUsage;
import dev.kiln.network.Ipv4Address;
import dev.kiln.store.Labels;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * {@code GET /servers} (Laravel paginator; {@code type=simple|full}, {@code hypervisorId} or
 * {@code hypervisorId[]} filters) and {@code GET /servers/user/{userId}}.
 */
public final class ServerListRoutes implements Routes {

    private final Jdbi jdbi;
    private final ServerService service;
    private final ServerView view;
    private final Labels.Cache serverRows = new Labels.Cache();

    public ServerListRoutes(Jdbi jdbi, ServerService service, ServerView view) {
        this.jdbi = jdbi;
        this.service = service;
        this.view = view;
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.get("/api/v1/servers", this::list);
        routes.get("/api/v1/servers/user/{userId}", this::listOfUser);
    }

    private void list(Context ctx) {
        Paginator paginator = Paginator.of(ctx);
        List<Long> hypervisorIds = hypervisorFilter(ctx);
        boolean full = "full".equals(String.valueOf(ctx.queryParam("type")).toLowerCase(Locale.ROOT));
        String where = hypervisorIds.isEmpty() ? "" : " WHERE hypervisor_id IN (<hypervisors>)";

        ArrayNode rows = Json.array();
        long total = jdbi.withHandle(h -> {
            // The paginator's exact total, summed from one usage row per hypervisor instead of counting the server table.
            long found = HypervisorUsage.serverCount(h, hypervisorIds);
            for (Server s : page(h, where, hypervisorIds, paginator, found)) {
                rows.add(full ? view.render(service.details(h, s.id()), null, null, false) : simple(s));
            }
            return found;
        });
        Responses.json(ctx, 200, paginator.body(ctx, rows, total));
    }

    /**
     * Reads one page in id order. OFFSET makes H2 and PostgreSQL step over every skipped row,
     * so a page past the middle is read from the other end (descending ids, mirrored offset)
     * and reversed: the last page then costs what the first one does.
     */
    private List<Server> page(Handle h, String where, List<Long> hypervisorIds, Paginator paginator, long total) {
        long offset = paginator.offset();
        if (offset >= total) {
            return List.of();
        }
        long limit = Math.min(paginator.perPage(), total - offset);
        boolean fromEnd = offset > total / 2;
        var query = h.createQuery("SELECT * FROM server" + where + (fromEnd ? " ORDER BY id DESC" : " ORDER BY id")
                        + " LIMIT :limit OFFSET :offset")
                .bind("limit", limit).bind("offset", fromEnd ? total - offset - limit : offset);
        if (!hypervisorIds.isEmpty()) {
            query.bindList("hypervisors", hypervisorIds);
        }
        List<Server> servers = new ArrayList<>(query.map(serverRows.mapper(ServerStore::map)).list());
        if (fromEnd) {
            Collections.reverse(servers);
        }
        return servers;
    }

    private void listOfUser(Context ctx) {
        long userId = Responses.id(ctx, "userId", "user not found");
        ArrayNode rows = Json.array();
        jdbi.useHandle(h -> {
            h.createQuery("SELECT id FROM kiln_user WHERE id = :id").bind("id", userId).mapTo(Long.class).findOne()
                    .orElseThrow(() -> new NotFoundException("user not found"));
            List<Long> ids = h.createQuery("SELECT id FROM server WHERE owner_id = :owner ORDER BY id").bind("owner", userId)
                    .mapTo(Long.class).list();
            for (Long id : ids) {
                rows.add(ofUser(service.details(h, id)));
            }
        });
        Responses.data(ctx, rows);
    }

    static ObjectNode simple(Server s) {
        ObjectNode out = Json.object();
        out.put("id", s.id());
        out.put("uuid", s.uuid());
        out.put("name", s.name());
        out.put("commissioned", s.commissionStatus());
        out.put("owner", s.ownerId());
        out.put("hypervisorId", s.hypervisorId());
        out.put("suspended", s.suspended());
        out.put("protected", s.isProtected());
        out.put("updated", Times.offset(s.updated()));
        out.put("created", Times.offset(s.created()));
        return out;
    }

    /** Renders the shorter server object that {@code GET /servers/user/{userId}} lists. */
    static ObjectNode ofUser(ServerDetails d) {
        Server s = d.server();
        ObjectNode out = Json.object();
        out.put("id", s.id());
        out.put("ownerId", s.ownerId());
        out.put("hypervisorId", s.hypervisorId());
        out.put("name", s.name());
        if (s.hostname() == null) {
            out.putNull("hostname");
        } else {
            out.put("hostname", s.hostname());
        }
        out.put("commissionStatus", s.commissionStatus());
        out.put("uuid", s.uuid());
        out.put("state", s.state());
        out.put("rebuild", false);
        out.put("suspended", s.suspended());
        out.put("protected", s.isProtected());
        out.put("buildFailed", s.buildFailed());
        out.put("backup_level", 0);
        out.putNull("backup_plan");
        out.putObject("os");
        ObjectNode info = out.putObject("server_info");
        info.put("show", false);
        info.putNull("icon");
        info.putNull("name");
        info.putNull("label");
        ObjectNode vnc = out.putObject("vnc");
        vnc.put("expose_details", true);
        if (d.hypervisor().ip() == null) {
            vnc.putNull("ip");
        } else {
            vnc.put("ip", d.hypervisor().ip());
        }
        vnc.putNull("hostname");
        vnc.put("port", s.vncPort());
        vnc.put("enabled", s.vncEnabled() ? 1 : 0);
        ObjectNode resources = out.putObject("resources");
        resources.put("memory", s.memoryMb());
        resources.put("storage", s.storageGb());
        resources.put("traffic", s.trafficGb());
        resources.put("cpuCores", s.cpuCores());
        resources.putNull("cpu_model");
        ObjectNode nic = out.putObject("network").putArray("interfaces").addObject();
        nic.put("order", 1);
        nic.put("enabled", true);
        nic.put("tag", Long.parseLong(s.mac().replace(":", "").substring(4), 16));
        nic.put("name", "eth0");
        nic.put("mac", s.mac().toUpperCase(Locale.ROOT));
        nic.put("inAverage", s.networkSpeedIn());
        nic.put("inPeak", 0);
        nic.put("inBurst", 0);
        nic.put("outAverage", s.networkSpeedOut());
        nic.put("outPeak", 0);
        nic.put("outBurst", 0);
        nic.put("isNat", false);
        ArrayNode ipv4 = nic.putArray("ipv4");
        for (Ipv4Address a : d.ipv4()) {
            ObjectNode entry = ipv4.addObject();
            entry.put("order", a.position());
            entry.put("enabled", true);
            entry.put("address", a.address());
            entry.put("gateway", a.gateway());
            entry.put("netmask", a.netmask());
            entry.put("resolver1", a.resolver1());
            entry.put("resolver2", a.resolver2());
        }
        ArrayNode ipv6 = nic.putArray("ipv6");
        d.ipv6().forEach(subnet -> ipv6.addObject().put("subnet", subnet.subnet()).put("cidr", subnet.prefixLength()));
        ObjectNode config = out.putObject("config");
        config.put("uefi", false);
        config.putArray("bootOrder").add("hd").add("cdrom");
        ObjectNode media = out.putObject("media");
        media.put("isoMounted", false);
        media.put("isoName", "");
        return out;
    }

    /** Reads {@code hypervisorId=N} and {@code hypervisorId[]=N}; non-numeric values are ignored. */
    private static List<Long> hypervisorFilter(Context ctx) {
        List<String> raw = new ArrayList<>(ctx.queryParams("hypervisorId"));
        raw.addAll(ctx.queryParams("hypervisorId[]"));
        List<Long> ids = new ArrayList<>();
        for (String value : raw) {
            try {
                ids.add(Long.parseLong(value.strip()));
            } catch (NumberFormatException ignored) {
                // Unknown or malformed filters are ignored, as Laravel ignores them.
            }
        }
        return ids;
    }
}
