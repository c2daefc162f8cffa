package dev.kiln.servers;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.NotFoundException;
import dev.kiln.Times;
import dev.kiln.ValidationException;
import dev.kiln.hypervisors.HypervisorStore;
import dev.kiln.http.Json;
import dev.kiln.http.JsonBody;
import dev.kiln.http.Responses;
import dev.kiln.http.Routes;
import dev.kiln.security.Passwords;
import dev.kiln.security.SecretBox;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import org.jdbi.v3.core.Jdbi;

/**
 * Server settings that need no queue item: VNC ({@code GET|POST /servers/{id}/vnc}), custom
 * libvirt XML ({@code POST /servers/{id}/customXML}), the backup plan
 * ({@code PUT /servers/{id}/backups/plan/{planId}}) and traffic statistics
 * ({@code GET /servers/{id}/traffic}). Changes are rejected with 423 while a queue item locks
 * the server, like every other change to a server. A running build reads the VNC setting, so a
 * change during the build would leave the record and the domain disagreeing.
 *
 * <p>NOTE: VNC and custom XML changes are stored at once and reach the domain definition with
 * the next build; Kiln runs no VNC websocket proxy, so {@code wss} carries nulls.
 */
public final class SettingsRoutes implements Routes {

    static final List<String> XML_PARTS = List.of("domain", "os", "devices", "features", "clock", "cpuTune");
    private static final int XML_MAX = 100_000;
    private static final DateTimeFormatter PERIOD = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    /** Months of traffic history that {@code GET /traffic} lists, newest first. */
    private static final int TRAFFIC_MONTHS = 12;

    private final Jdbi jdbi;
    private final ServerStore servers;
    private final HypervisorStore hypervisors;
    private final SecretBox secrets;
    private final Clock clock;

    public SettingsRoutes(Jdbi jdbi, ServerStore servers, HypervisorStore hypervisors, SecretBox secrets, Clock clock) {
        this.jdbi = jdbi;
        this.servers = servers;
        this.hypervisors = hypervisors;
        this.secrets = secrets;
        this.clock = clock;
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.get("/api/v1/servers/{id}/vnc", this::getVnc);
        routes.post("/api/v1/servers/{id}/vnc", this::setVnc);
        routes.post("/api/v1/servers/{id}/customXML", this::setCustomXml);
        routes.put("/api/v1/servers/{id}/backups/plan/{planId}", this::setBackupPlan);
        routes.get("/api/v1/servers/{id}/traffic", this::traffic);
    }

    private void getVnc(Context ctx) {
        long id = Responses.id(ctx, "id", "server not found");
        Responses.data(ctx, Json.object().set("vnc", vnc(id)));
    }

    /** Enables or disables VNC: {@code {"action":"enable"|"disable"}}, or {@code {"vnc": true|false}}. */
    private void setVnc(Context ctx) {
        long id = Responses.id(ctx, "id", "server not found");
        JsonBody body = Responses.body(ctx);
        String action = body.optionalString("action");
        Boolean flag = body.optionalBoolean("vnc");
        body.validate();
        boolean enable;
        if (action != null) {
            if (!action.equals("enable") && !action.equals("disable")) {
                throw new ValidationException("The action field must be enable or disable.");
            }
            enable = action.equals("enable");
        } else if (flag != null) {
            enable = flag;
        } else {
            throw new ValidationException("The action field is required (enable or disable).");
        }
        jdbi.useTransaction(h -> {
            Server server = ServerLocks.requireFree(servers, h, id);
            String password = enable
                    ? (server.encryptedVncPassword() != null ? server.encryptedVncPassword() : secrets.encrypt(Passwords.random(8)))
                    : server.encryptedVncPassword();
            h.createUpdate("UPDATE server SET vnc_enabled = :enabled, encrypted_vnc_password = :password, version = version + 1, "
                            + "updated = :now WHERE id = :id")
                    .bind("enabled", enable).bind("password", password).bind("now", Times.now(clock)).bind("id", id).execute();
        });
        ObjectNode data = Json.object();
        data.set("vnc", vnc(id));
        data.putNull("queueId");
        Responses.data(ctx, data);
    }

    private ObjectNode vnc(long id) {
        return jdbi.withHandle(h -> {
            Server server = servers.find(h, id).orElseThrow(() -> new NotFoundException("server not found"));
            String ip = hypervisors.find(h, server.hypervisorId()).orElseThrow().ip();
            ObjectNode out = Json.object();
            if (ip == null) {
                out.putNull("ip");
            } else {
                out.put("ip", ip);
            }
            out.putNull("hostname");
            out.put("port", server.vncPort());
            if (server.encryptedVncPassword() == null) {
                out.putNull("password");
            } else {
                out.put("password", secrets.decrypt(server.encryptedVncPassword()));
            }
            ObjectNode wss = out.putObject("wss");
            wss.putNull("token");
            wss.putNull("url");
            out.put("enabled", server.vncEnabled());
            return out;
        });
    }

    private void setCustomXml(Context ctx) {
        long id = Responses.id(ctx, "id", "server not found");
        JsonBody body = Responses.body(ctx);
        record Part(String name, String xml, Boolean enabled) {
        }
        List<Part> parts = XML_PARTS.stream()
                .map(name -> new Part(name, body.optionalString(name), body.optionalBoolean(name + "Enabled")))
                .toList();
        body.validate();
        for (Part part : parts) {
            if (part.xml() != null && part.xml().length() > XML_MAX) {
                throw new ValidationException("The " + part.name() + " field must be at most " + XML_MAX + " characters.");
            }
        }
        jdbi.useTransaction(h -> {
            Server server = ServerLocks.requireFree(servers, h, id);
            ObjectNode stored = customXml(server);
            for (Part part : parts) {
                ObjectNode entry = stored.has(part.name()) ? (ObjectNode) stored.get(part.name()) : stored.putObject(part.name());
                if (part.xml() != null) {
                    entry.put("xml", part.xml());
                }
                if (part.enabled() != null) {
                    entry.put("enabled", part.enabled());
                }
            }
            h.createUpdate("UPDATE server SET custom_xml = :xml, version = version + 1, updated = :now WHERE id = :id")
                    .bind("xml", stored.toString()).bind("now", Times.now(clock)).bind("id", id).execute();
        });
        Responses.data(ctx, Json.object());
    }

    /** Parses the server's custom XML parts into a mutable JSON object keyed by part name. */
    static ObjectNode customXml(Server server) {
        try {
            return (ObjectNode) Json.MAPPER.readTree(server.customXml());
        } catch (com.fasterxml.jackson.core.JsonProcessingException | ClassCastException e) {
            throw new IllegalStateException("server " + server.id() + " has an unreadable custom_xml column", e);
        }
    }

    private void setBackupPlan(Context ctx) {
        long id = Responses.id(ctx, "id", "server not found");
        long planId;
        try {
            planId = Long.parseLong(ctx.pathParam("planId"));
        } catch (NumberFormatException e) {
            throw new ValidationException("The planId must be an integer; 0 removes the plan.");
        }
        if (planId < 0) {
            throw new ValidationException("The planId must be 0 (remove) or a backup plan id.");
        }
        jdbi.useTransaction(h -> {
            ServerLocks.requireFree(servers, h, id);
            h.createUpdate("UPDATE server SET backup_plan_id = :plan, version = version + 1, updated = :now WHERE id = :id")
                    .bind("plan", planId == 0 ? null : planId).bind("now", Times.now(clock)).bind("id", id).execute();
        });
        ctx.status(201);
    }

    /**
     * Monthly periods from the server's creation day, newest first, with recorded counters or
     * zeros. Each period starts a whole number of months after the creation day (on the month's
     * last day when the month is shorter), computed from the creation day itself so that day 31
     * does not drift to 28. {@code month} numbers the periods from 1 for the first, as the
     * example in VirtFusion's API reference does.
     */
    private void traffic(Context ctx) {
        long id = Responses.id(ctx, "id", "server not found");
        ArrayNode monthly = Json.array();
        jdbi.useHandle(h -> {
            Server server = servers.find(h, id).orElseThrow(() -> new NotFoundException("server not found"));
            LocalDate anchor = server.created().withOffsetSameInstant(ZoneOffset.UTC).toLocalDate();
            LocalDate today = OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC).toLocalDate();
            int current = 0;
            while (!anchor.plusMonths(current + 1).isAfter(today)) {
                current++;
            }
            for (int period = current; period >= 0 && current - period < TRAFFIC_MONTHS; period--) {
                LocalDate from = anchor.plusMonths(period);
                LocalDate next = anchor.plusMonths(period + 1);
                long[] counters = h.createQuery("SELECT rx_bytes, tx_bytes FROM server_traffic WHERE server_id = :id AND period_start = :start")
                        .bind("id", id).bind("start", from)
                        .map((rs, c) -> new long[] {rs.getLong(1), rs.getLong(2)}).findOne().orElse(new long[] {0, 0});
                ObjectNode entry = monthly.addObject();
                entry.put("month", period + 1);
                entry.put("start", PERIOD.format(from.atStartOfDay()));
                entry.put("end", PERIOD.format(next.atStartOfDay().minusSeconds(1)));
                entry.put("rx", counters[0]);
                entry.put("tx", counters[1]);
                entry.put("total", counters[0] + counters[1]);
                entry.put("limit", server.trafficGb());
                entry.putArray("blocks");
            }
        });
        Responses.data(ctx, Json.object().set("monthly", monthly));
    }
}
