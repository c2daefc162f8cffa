package dev.kiln.servers;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.kiln.Times;
import dev.kiln.ValidationException;
import dev.kiln.hypervisors.HypervisorStore;
import dev.kiln.http.Json;
import dev.kiln.http.JsonBody;
import dev.kiln.http.Responses;
import dev.kiln.http.Routes;
import dev.kiln.network.Addresses;
import dev.kiln.network.Ipv4Address;
import dev.kiln.network.NetworkStore;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * A server's addresses: {@code POST /servers/{id}/ipv4Qty} (200 with the new addresses),
 * {@code POST|DELETE /servers/{id}/ipv4} (204) and {@code POST|DELETE /servers/{id}/networkWhitelist}
 * (201, 204). Kiln has one interface per server, so {@code interface} may be absent or
 * {@code primary}; {@code secondary} is rejected. Each is rejected with 423 while a queue item
 * locks the server, like every other change to a server. A running build writes the addresses
 * into the guest's network configuration, so they must not change under it.
 *
 * <p>NOTE: the changes are stored and shown at once, but reach the guest's network
 * configuration only with the next build.
 */
public final class AddressRoutes implements Routes {

    private static final int MAX_ADDRESSES = 64;

    private final Jdbi jdbi;
    private final ServerStore servers;
    private final HypervisorStore hypervisors;
    private final NetworkStore network;
    private final Clock clock;

    public AddressRoutes(Jdbi jdbi, ServerStore servers, HypervisorStore hypervisors, NetworkStore network, Clock clock) {
        this.jdbi = jdbi;
        this.servers = servers;
        this.hypervisors = hypervisors;
        this.network = network;
        this.clock = clock;
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.post("/api/v1/servers/{id}/ipv4Qty", this::addQuantity);
        routes.post("/api/v1/servers/{id}/ipv4", this::addAddresses);
        routes.delete("/api/v1/servers/{id}/ipv4", this::removeAddresses);
        routes.post("/api/v1/servers/{id}/networkWhitelist", this::addWhitelist);
        routes.delete("/api/v1/servers/{id}/networkWhitelist", this::removeWhitelist);
    }

    private void addQuantity(Context ctx) {
        long id = Responses.id(ctx, "id", "server not found");
        JsonBody body = Responses.body(ctx);
        checkInterface(body);
        Integer quantity = body.optionalInt("quantity", 1, MAX_ADDRESSES);
        if (!body.has("quantity")) {
            body.reject("The quantity field is required.");
        }
        body.validate();
        ArrayNode added = Json.array();
        jdbi.useTransaction(h -> {
            Server server = ServerLocks.requireFree(servers, h, id);
            long groupId = groupOf(h, server);
            List<Ipv4Address> before = network.ipv4OfServer(h, id);
            List<Ipv4Address> after = network.assignIpv4(h, groupId, id, quantity, Times.now(clock));
            if (after.size() < before.size() + quantity) {
                throw new ValidationException("Hypervisor group " + groupId + " has fewer than " + quantity + " free IPv4 addresses.");
            }
            Set<Long> old = before.stream().map(Ipv4Address::id).collect(java.util.stream.Collectors.toSet());
            after.stream().filter(a -> !old.contains(a.id())).forEach(a -> added.add(a.address()));
        });
        Responses.data(ctx, added);
    }

    private void addAddresses(Context ctx) {
        long id = Responses.id(ctx, "id", "server not found");
        List<String> addresses = addressList(ctx);
        jdbi.useTransaction(h -> {
            Server server = ServerLocks.requireFree(servers, h, id);
            long groupId = groupOf(h, server);
            int position = network.ipv4OfServer(h, id).size();
            for (String address : addresses) {
                int taken = h.createUpdate("UPDATE ipv4_address SET server_id = :server, position = :position, assigned = :now "
                                + "WHERE address = :address AND server_id IS NULL "
                                + "AND block_id IN (SELECT id FROM ip_block WHERE group_id = :group AND enabled)")
                        .bind("server", id).bind("position", ++position).bind("now", Times.now(clock)).bind("address", address)
                        .bind("group", groupId).execute();
                if (taken == 0) {
                    throw new ValidationException("The ip field names " + address
                            + ", which is not a free address of the server's hypervisor group.");
                }
            }
        });
        Responses.noContent(ctx);
    }

    private void removeAddresses(Context ctx) {
        long id = Responses.id(ctx, "id", "server not found");
        List<String> addresses = addressList(ctx);
        jdbi.useTransaction(h -> {
            ServerLocks.requireFree(servers, h, id);
            for (String address : addresses) {
                int released = h.createUpdate("UPDATE ipv4_address SET server_id = NULL, position = NULL, assigned = NULL, rdns = NULL "
                                + "WHERE address = :address AND server_id = :server")
                        .bind("address", address).bind("server", id).execute();
                if (released == 0) {
                    throw new ValidationException("The ip field names " + address + ", which the server does not have.");
                }
            }
        });
        Responses.noContent(ctx);
    }

    private void addWhitelist(Context ctx) {
        long id = Responses.id(ctx, "id", "server not found");
        JsonBody body = Responses.body(ctx);
        checkInterface(body);
        String ip = body.requiredString("ip");
        Long cidr = body.requiredLong("cidr");
        body.validate();
        int version = versionOf(ip);
        int maxCidr = version == 4 ? 32 : 128;
        if (cidr < 0 || cidr > maxCidr) {
            throw new ValidationException("The cidr field must be between 0 and " + maxCidr + " for an IPv" + version + " address.");
        }
        jdbi.useTransaction(h -> {
            Server server = ServerLocks.requireFree(servers, h, id);
            ArrayNode list = whitelist(server);
            long nextId = 1;
            for (int i = list.size() - 1; i >= 0; i--) {
                nextId = Math.max(nextId, list.get(i).path("id").asLong() + 1);
                if (list.get(i).path("ip").asText().equals(ip)) {
                    list.remove(i);
                }
            }
            list.addObject().put("id", nextId).put("type", version).put("ip", ip).put("mask", cidr);
            storeWhitelist(h, id, list);
        });
        ctx.status(201);
    }

    private void removeWhitelist(Context ctx) {
        long id = Responses.id(ctx, "id", "server not found");
        JsonBody body = Responses.body(ctx);
        checkInterface(body);
        String ip = body.requiredString("ip");
        body.validate();
        jdbi.useTransaction(h -> {
            ArrayNode list = whitelist(ServerLocks.requireFree(servers, h, id));
            boolean removed = false;
            for (int i = list.size() - 1; i >= 0; i--) {
                if (list.get(i).path("ip").asText().equals(ip)) {
                    list.remove(i);
                    removed = true;
                }
            }
            if (!removed) {
                throw new ValidationException("The ip field names " + ip + ", which is not on the server's whitelist.");
            }
            storeWhitelist(h, id, list);
        });
        Responses.noContent(ctx);
    }

    /** Parses the server's whitelist into a mutable JSON list. */
    static ArrayNode whitelist(Server server) {
        try {
            return (ArrayNode) Json.MAPPER.readTree(server.ipWhitelist());
        } catch (com.fasterxml.jackson.core.JsonProcessingException | ClassCastException e) {
            throw new IllegalStateException("server " + server.id() + " has an unreadable ip_whitelist column", e);
        }
    }

    private void storeWhitelist(Handle h, long id, ArrayNode list) {
        h.createUpdate("UPDATE server SET ip_whitelist = :list, version = version + 1, updated = :now WHERE id = :id")
                .bind("list", list.toString()).bind("now", Times.now(clock)).bind("id", id).execute();
    }

    private long groupOf(Handle h, Server server) {
        return hypervisors.find(h, server.hypervisorId()).orElseThrow().groupId();
    }

    private static List<String> addressList(Context ctx) {
        JsonBody body = Responses.body(ctx);
        checkInterface(body);
        List<String> addresses = body.optionalStringList("ip");
        if (addresses == null) {
            body.reject("The ip field is required.");
        }
        body.validate();
        if (addresses.isEmpty() || addresses.size() > MAX_ADDRESSES) {
            throw new ValidationException("The ip field must list 1 to " + MAX_ADDRESSES + " IPv4 addresses.");
        }
        List<String> out = new ArrayList<>();
        for (String address : addresses) {
            if (!Addresses.isIpv4(address)) {
                throw new ValidationException("The ip field contains '" + address + "', which is not an IPv4 address.");
            }
            out.add(address);
        }
        return out;
    }

    /** Accepts an absent interface or {@code primary}, the only interface Kiln gives a server. */
    private static void checkInterface(JsonBody body) {
        String name = body.optionalString("interface");
        if (name != null && !name.equalsIgnoreCase("primary")) {
            body.reject("The interface field must be primary; Kiln servers have one network interface.");
        }
    }

    private static int versionOf(String ip) {
        if (Addresses.isIpv4(ip)) {
            return 4;
        }
        Addresses.ipv6ToBigInteger(ip);
        return 6;
    }
}
