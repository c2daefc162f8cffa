package dev.kiln.servers;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.kiln.NotFoundException;
import dev.kiln.Times;
import dev.kiln.ValidationException;
import dev.kiln.catalog.CatalogStore;
import dev.kiln.catalog.ServerPackage;
import dev.kiln.hypervisors.Allocation;
import dev.kiln.hypervisors.Hypervisor;
import dev.kiln.hypervisors.HypervisorStore;
import dev.kiln.hypervisors.HypervisorUsage;
import dev.kiln.http.Json;
import dev.kiln.http.JsonBody;
import dev.kiln.http.Responses;
import dev.kiln.http.Routes;
import dev.kiln.queue.QueueStore;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Clock;
import java.util.Optional;
import java.util.function.Function;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Changes to a server's record: {@code PUT /servers/{id}/modify/{name,memory,cpuCores,traffic,cpuThrottle}}
 * (201), {@code PUT /servers/{id}/package/{packageId}} (200 with an {@code info} list) and
 * {@code PUT /servers/{id}/owner/{newOwnerId}} (201). Each is rejected with 423 while a queue
 * item locks the server.
 *
 * <p>NOTE: memory, CPU and throttle changes are stored and counted against the hypervisor at
 * once, but the domain on the hypervisor keeps its old definition until the next build.
 */
public final class ModifyRoutes implements Routes {

    private final Jdbi jdbi;
    private final ServerLocks locks;
    private final HypervisorStore hypervisors;
    private final CatalogStore catalog;
    private final Clock clock;

    public ModifyRoutes(Jdbi jdbi, ServerStore servers, QueueStore queue, HypervisorStore hypervisors, CatalogStore catalog,
            Clock clock) {
        this.jdbi = jdbi;
        this.locks = new ServerLocks(servers, queue);
        this.hypervisors = hypervisors;
        this.catalog = catalog;
        this.clock = clock;
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.put("/api/v1/servers/{id}/modify/name", this::name);
        routes.put("/api/v1/servers/{id}/modify/memory", this::memory);
        routes.put("/api/v1/servers/{id}/modify/cpuCores", this::cpuCores);
        routes.put("/api/v1/servers/{id}/modify/traffic", this::traffic);
        routes.put("/api/v1/servers/{id}/modify/cpuThrottle", this::cpuThrottle);
        routes.put("/api/v1/servers/{id}/package/{packageId}", this::changePackage);
        routes.put("/api/v1/servers/{id}/owner/{newOwnerId}", this::changeOwner);
    }

    private void name(Context ctx) {
        long id = Responses.id(ctx, "id", "server not found");
        JsonBody body = Responses.body(ctx);
        String name = body.requiredString("name");
        body.validate();
        String problem = dev.kiln.build.BuildRequest.nameProblem(name);
        if (problem != null) {
            throw new ValidationException("The name field " + problem + ".");
        }
        update(id, "name = :value", name, null);
        ctx.status(201);
    }

    private void memory(Context ctx) {
        long id = Responses.id(ctx, "id", "server not found");
        JsonBody body = Responses.body(ctx);
        Long memory = body.requiredLong("memory");
        body.validate();
        int value = checkRange("memory", memory, 256, 4_194_304);
        update(id, "memory_mb = :value", value, s -> new Resources(value, s.cpuCores(), s.storageGb()));
        ctx.status(201);
    }

    private void cpuCores(Context ctx) {
        long id = Responses.id(ctx, "id", "server not found");
        JsonBody body = Responses.body(ctx);
        Long cores = body.has("cores") ? body.optionalLong("cores") : body.optionalLong("cpuCores");
        if (!body.has("cores") && !body.has("cpuCores")) {
            body.reject("The cores field is required.");
        }
        body.validate();
        int value = checkRange("cores", cores, 1, 512);
        update(id, "cpu_cores = :value", value, s -> new Resources(s.memoryMb(), value, s.storageGb()));
        ctx.status(201);
    }

    private void traffic(Context ctx) {
        long id = Responses.id(ctx, "id", "server not found");
        JsonBody body = Responses.body(ctx);
        Long traffic = body.requiredLong("traffic");
        body.validate();
        update(id, "traffic_gb = :value", checkRange("traffic", traffic, 0, 999_999_999), null);
        ctx.status(201);
    }

    private void cpuThrottle(Context ctx) {
        long id = Responses.id(ctx, "id", "server not found");
        JsonBody body = Responses.body(ctx);
        Long percent = body.requiredLong("percent");
        body.validate();
        update(id, "cpu_throttle = :value", checkRange("percent", percent, 0, 99), null);
        ctx.status(201);
    }

    private void changePackage(Context ctx) {
        long id = Responses.id(ctx, "id", "server not found");
        long packageId = Responses.id(ctx, "packageId", "package not found");
        ArrayNode info = Json.array();
        jdbi.useTransaction(h -> {
            Optional<Allocation> used = HypervisorUsage.lockOfServer(h, id);
            Server server = locks.requireFree(h, id);
            ServerPackage pkg = catalog.findPackage(h, packageId).orElseThrow(() -> new NotFoundException("package not found"));
            int storage = Math.max(server.storageGb(), pkg.primaryStorageGb());
            if (pkg.primaryStorageGb() <= server.storageGb()) {
                info.add("primary disk not updated. It either matches or is lower than the current value");
            }
            note(info, "memory", server.memoryMb(), pkg.memoryMb());
            note(info, "CPU cores", server.cpuCores(), pkg.cpuCores());
            note(info, "traffic", server.trafficGb(), pkg.trafficGb());
            note(info, "primary network speed inbound", server.networkSpeedIn(), pkg.networkSpeedIn());
            note(info, "primary network speed outbound", server.networkSpeedOut(), pkg.networkSpeedOut());
            resize(h, server, used, new Resources(pkg.memoryMb(), pkg.cpuCores(), storage));
            h.createUpdate("UPDATE server SET package_id = :package, memory_mb = :memory, cpu_cores = :cpu, storage_gb = :storage, "
                            + "traffic_gb = :traffic, network_speed_in = :in, network_speed_out = :out, version = version + 1, "
                            + "updated = :now WHERE id = :id")
                    .bind("package", pkg.id()).bind("memory", pkg.memoryMb()).bind("cpu", pkg.cpuCores()).bind("storage", storage)
                    .bind("traffic", pkg.trafficGb()).bind("in", pkg.networkSpeedIn()).bind("out", pkg.networkSpeedOut())
                    .bind("now", Times.now(clock)).bind("id", id).execute();
            h.createUpdate("UPDATE server_disk SET capacity_gb = :storage WHERE server_id = :id AND drive = 'a'")
                    .bind("storage", storage).bind("id", id).execute();
        });
        Responses.json(ctx, 200, Json.object().set("info", info));
    }

    private void changeOwner(Context ctx) {
        long id = Responses.id(ctx, "id", "server not found");
        long ownerId = Responses.id(ctx, "newOwnerId", "user not found");
        jdbi.useTransaction(h -> {
            locks.requireFree(h, id);
            h.createQuery("SELECT id FROM kiln_user WHERE id = :id").bind("id", ownerId).mapTo(Long.class).findOne()
                    .orElseThrow(() -> new NotFoundException("user not found"));
            h.createUpdate("DELETE FROM server_ssh_key WHERE server_id = :id").bind("id", id).execute();
            h.createUpdate("UPDATE server SET owner_id = :owner, version = version + 1, updated = :now WHERE id = :id")
                    .bind("owner", ownerId).bind("now", Times.now(clock)).bind("id", id).execute();
        });
        ctx.status(201);
    }

    /**
     * Sets one column of the server. {@code resize} returns the server's resources after the
     * change, or is null when the change leaves them as they are.
     */
    private void update(long id, String assignment, Object value, Function<Server, Resources> resize) {
        jdbi.useTransaction(h -> {
            Optional<Allocation> used = resize == null ? Optional.empty() : HypervisorUsage.lockOfServer(h, id);
            Server server = locks.requireFree(h, id);
            if (resize != null) {
                resize(h, server, used, resize.apply(server));
            }
            h.createUpdate("UPDATE server SET " + assignment + ", version = version + 1, updated = :now WHERE id = :id")
                    .bind("value", value).bind("now", Times.now(clock)).bind("id", id).execute();
        });
    }

    /**
     * Checks that the hypervisor has room for the server's new resources and adds the change to
     * its usage row. {@code used} is that row, locked by {@link HypervisorUsage#lockOfServer}
     * before {@code server} was read.
     */
    private void resize(Handle h, Server server, Optional<Allocation> used, Resources target) {
        Allocation usage = used.orElseThrow(() -> new IllegalStateException(
                "hypervisor " + server.hypervisorId() + " of server " + server.id() + " has no hypervisor_usage row"));
        checkFits(h, server, usage, target);
        HypervisorUsage.add(h, server.hypervisorId(), 0, target.memoryMb() - server.memoryMb(),
                target.cpuCores() - server.cpuCores(), target.storageGb() - server.storageGb());
    }

    /** Rejects growth that the hypervisor has no room for. A change that grows nothing always passes. */
    private void checkFits(Handle h, Server server, Allocation used, Resources target) {
        int extraMemory = target.memoryMb() - server.memoryMb();
        int extraCores = target.cpuCores() - server.cpuCores();
        int extraStorage = target.storageGb() - server.storageGb();
        if (extraMemory <= 0 && extraCores <= 0 && extraStorage <= 0) {
            return;
        }
        Hypervisor hypervisor = hypervisors.find(h, server.hypervisorId()).orElseThrow();
        Allocation without = new Allocation(used.servers() - 1, used.memoryMb() - server.memoryMb(),
                used.cpuCores() - server.cpuCores(), used.storageGb() - server.storageGb());
        if (!without.fits(hypervisor, server.memoryMb() + Math.max(0, extraMemory), server.cpuCores() + Math.max(0, extraCores),
                server.storageGb() + Math.max(0, extraStorage))) {
            throw new ValidationException("Hypervisor " + hypervisor.name() + " has no room for the requested resources.");
        }
    }

    private static void note(ArrayNode info, String what, int current, int target) {
        if (current == target) {
            info.add(what + " not updated. It matches the current value");
        }
    }

    private static int checkRange(String field, Long value, long min, long max) {
        if (value < min || value > max) {
            throw new ValidationException("The " + field + " field must be between " + min + " and " + max + " (got " + value + ").");
        }
        return value.intValue();
    }

    /** A server's memory in MB, CPU cores and primary storage in GB. */
    private record Resources(int memoryMb, int cpuCores, int storageGb) {
    }
}
