package dev.kiln.build;

import dev.kiln.http.Responses;
import dev.kiln.http.Routes;
import dev.kiln.servers.ServerView;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

/** {@code POST /servers/{id}/build}: answers 200 with the queued server and its new password. */
public final class BuildRoutes implements Routes {

    private final BuildService builds;
    private final ServerView view;
    private final Runnable wakeWorkers;

    public BuildRoutes(BuildService builds, ServerView view, Runnable wakeWorkers) {
        this.builds = builds;
        this.view = view;
        this.wakeWorkers = wakeWorkers;
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.post("/api/v1/servers/{id}/build", this::build);
    }

    private void build(Context ctx) {
        long id = Responses.id(ctx, "id", "server not found");
        BuildRequest request = BuildRequest.parse(Responses.body(ctx));
        BuildService.Accepted accepted = builds.accept(id, request);
        wakeWorkers.run();
        Responses.data(ctx, 200, g -> view.write(g, accepted.details(), accepted.password(), null, false));
    }
}
