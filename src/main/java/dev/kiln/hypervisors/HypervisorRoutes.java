package dev.kiln.hypervisors;

import dev.kiln.NotFoundException;
import dev.kiln.http.Paginator;
import dev.kiln.http.Responses;
import dev.kiln.http.Routes;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.Map;
import java.util.stream.Collectors;

/** {@code /compute/hypervisors} and {@code /compute/hypervisors/groups}. */
public final class HypervisorRoutes implements Routes {

    private final HypervisorStore store;

    public HypervisorRoutes(HypervisorStore store) {
        this.store = store;
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.get("/api/v1/compute/hypervisors/groups", this::listGroups);
        routes.get("/api/v1/compute/hypervisors/groups/{id}", this::getGroup);
        routes.get("/api/v1/compute/hypervisors/groups/{id}/resources", this::groupResources);
        routes.get("/api/v1/compute/hypervisors", this::listHypervisors);
        routes.get("/api/v1/compute/hypervisors/{id}", this::getHypervisor);
    }

    private void listGroups(Context ctx) {
        var rows = store.groups().stream().map(HypervisorViews::group).toList();
        Responses.json(ctx, 200, Paginator.of(ctx).bodyOf(ctx, rows));
    }

    private void getGroup(Context ctx) {
        long id = Responses.id(ctx, "id", "hypervisor group not found");
        HypervisorGroup group = store.findGroup(id).orElseThrow(() -> new NotFoundException("hypervisor group not found"));
        Responses.data(ctx, HypervisorViews.group(group));
    }

    /** Lists each hypervisor of the group with its capacity and what its servers use. */
    private void groupResources(Context ctx) {
        long id = Responses.id(ctx, "id", "hypervisor group not found");
        store.findGroup(id).orElseThrow(() -> new NotFoundException("hypervisor group not found"));
        Map<Long, Allocation> used = store.allocations();
        var rows = store.hypervisors().stream()
                .filter(h -> h.groupId() == id)
                .map(h -> {
                    var row = dev.kiln.http.Json.object();
                    var hypervisor = row.putObject("hypervisor");
                    hypervisor.put("id", h.id());
                    hypervisor.put("name", h.name());
                    hypervisor.put("enabled", h.enabled());
                    hypervisor.put("prohibit", h.maintenance());
                    hypervisor.put("accept", h.enabled() && !h.maintenance());
                    hypervisor.put("commissioned", true);
                    row.set("resources", HypervisorViews.resources(h, used.getOrDefault(h.id(), Allocation.NONE)));
                    return row;
                })
                .toList();
        Responses.json(ctx, 200, Paginator.of(ctx).bodyOf(ctx, rows));
    }

    private void listHypervisors(Context ctx) {
        Map<Long, HypervisorGroup> groups = store.groups().stream().collect(Collectors.toMap(HypervisorGroup::id, g -> g));
        Map<Long, Allocation> used = store.allocations();
        var rows = store.hypervisors().stream()
                .map(h -> HypervisorViews.hypervisor(h, groups.get(h.groupId()), used.getOrDefault(h.id(), Allocation.NONE)))
                .toList();
        Responses.json(ctx, 200, Paginator.of(ctx).bodyOf(ctx, rows));
    }

    private void getHypervisor(Context ctx) {
        long id = Responses.id(ctx, "id", "hypervisor not found");
        Hypervisor hypervisor = store.find(id).orElseThrow(() -> new NotFoundException("hypervisor not found"));
        HypervisorGroup group = store.findGroup(hypervisor.groupId()).orElseThrow();
        Allocation used = store.allocation(id);
        Responses.data(ctx, HypervisorViews.hypervisor(hypervisor, group, used));
    }
}
