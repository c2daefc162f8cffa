package dev.kiln.servers;

import dev.kiln.catalog.CatalogStore;
import dev.kiln.catalog.CatalogViews;
import dev.kiln.hypervisors.DriverException;
import dev.kiln.hypervisors.Drivers;
import dev.kiln.hypervisors.RemoteState;
import dev.kiln.http.Json;
import dev.kiln.http.JsonBody;
import dev.kiln.http.Responses;
import dev.kiln.http.Routes;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code POST /servers}, {@code GET /servers/{id}} and {@code GET /servers/{id}/templates}. */
public final class ServerRoutes implements Routes {

    private static final Logger LOG = LoggerFactory.getLogger(ServerRoutes.class);

    private final ServerService service;
    private final ServerView view;
    private final CatalogStore catalog;
    private final Drivers drivers;

    public ServerRoutes(ServerService service, ServerView view, CatalogStore catalog, Drivers drivers) {
        this.service = service;
        this.view = view;
        this.catalog = catalog;
        this.drivers = drivers;
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.get("/api/v1/connect", ctx -> Responses.json(ctx, 200, Json.array()));
        routes.post("/api/v1/servers", this::create);
        routes.get("/api/v1/servers/{id}", this::get);
        routes.get("/api/v1/servers/{id}/templates", this::templates);
    }

    private void create(Context ctx) {
        JsonBody body = Responses.body(ctx);
        Long packageId = body.requiredLong("packageId");
        Long userId = body.requiredLong("userId");
        Long groupId = body.requiredLong("hypervisorId");
        var request = new ServerService.CreateRequest(
                packageId == null ? 0 : packageId, userId == null ? 0 : userId, groupId == null ? 0 : groupId,
                body.optionalInt("ipv4", 0, 64), body.optionalInt("storage", 1, 100_000),
                body.optionalInt("traffic", 0, 10_000_000), body.optionalInt("memory", 128, 4_194_304),
                body.optionalInt("cpuCores", 1, 512), body.optionalInt("networkSpeedInbound", 0, 100_000_000),
                body.optionalInt("networkSpeedOutbound", 0, 100_000_000));
        body.validate();

        if (isTrue(ctx.queryParam("dryRun"))) {
            ServerService.DryRun result = service.dryRun(request);
            var data = Json.object();
            data.put("dryRun", true);
            data.put("hypervisorId", result.hypervisorId());
            data.put("hypervisorName", result.hypervisorName());
            data.put("freeIpv4", result.freeIpv4());
            Responses.data(ctx, data);
            return;
        }
        long id = service.create(request);
        LOG.info("server {}: created for user {} in hypervisor group {}", id, request.userId(), request.hypervisorGroupId());
        ServerDetails details = service.details(id);
        Responses.data(ctx, 201, g -> view.write(g, details, null, null, false));
    }

    private void get(Context ctx) {
        long id = Responses.id(ctx, "id", "server not found");
        ServerDetails details = service.details(id);
        RemoteState remote = isTrue(ctx.queryParam("remoteState")) ? remoteState(details) : null;
        Responses.data(ctx, 200, g -> view.write(g, details, null, remote, true));
    }

    private RemoteState remoteState(ServerDetails details) {
        try {
            return drivers.forHypervisor(details.hypervisor()).remoteState(details.server().uuid());
        } catch (DriverException e) {
            LOG.warn("server {}: remote state from hypervisor {} unavailable: {}; answering remoteState false",
                    details.server().id(), details.hypervisor().name(), e.getMessage());
            return null;
        }
    }

    private void templates(Context ctx) {
        long id = Responses.id(ctx, "id", "server not found");
        ServerDetails details = service.details(id);
        Responses.data(ctx, CatalogViews.templateGroups(catalog.offeredTo(details.server().packageId())));
    }

    static boolean isTrue(String value) {
        return value != null && (value.equalsIgnoreCase("true") || value.equals("1"));
    }
}
