package dev.kiln.servers;

import dev.kiln.Times;
import dev.kiln.http.Responses;
import dev.kiln.http.Routes;
import dev.kiln.hypervisors.DomainStatus;
import dev.kiln.hypervisors.Drivers;
import dev.kiln.hypervisors.HypervisorDriver;
import dev.kiln.queue.Actions;
import dev.kiln.queue.QueueHandler;
import dev.kiln.queue.QueueItem;
import dev.kiln.queue.QueueStore;
import dev.kiln.queue.StepRecorder;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Clock;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * {@code POST /servers/{id}/suspend} and {@code /unsuspend}, both 204. Suspending marks the
 * server suspended at once and queues a power-off that remembers whether the guest was running;
 * unsuspending clears the mark and boots the server only if it was running when suspended.
 */
public final class Suspension implements Routes, QueueHandler {

    private final Jdbi jdbi;
    private final ServerLocks locks;
    private final ServerService serverService;
    private final Drivers drivers;
    private final Clock clock;
    private final Runnable wakeWorkers;

    public Suspension(Jdbi jdbi, ServerStore servers, QueueStore queue, ServerService serverService, Drivers drivers, Clock clock,
            Runnable wakeWorkers) {
        this.jdbi = jdbi;
        this.locks = new ServerLocks(servers, queue);
        this.serverService = serverService;
        this.drivers = drivers;
        this.clock = clock;
        this.wakeWorkers = wakeWorkers;
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.post("/api/v1/servers/{id}/suspend", this::suspend);
        routes.post("/api/v1/servers/{id}/unsuspend", this::unsuspend);
    }

    private void suspend(Context ctx) {
        long id = Responses.id(ctx, "id", "server not found");
        jdbi.useTransaction(h -> {
            Server server = locks.requireFree(h, id);
            if (server.suspended()) {
                return;
            }
            var now = Times.now(clock);
            locks.enqueue(h, server, Actions.SUSPEND, "{}", now, null);
            h.createUpdate("UPDATE server SET suspended = TRUE WHERE id = :id").bind("id", id).execute();
        });
        wakeWorkers.run();
        Responses.noContent(ctx);
    }

    private void unsuspend(Context ctx) {
        long id = Responses.id(ctx, "id", "server not found");
        boolean boot = jdbi.inTransaction(h -> {
            Server server = locks.requireFree(h, id);
            if (!server.suspended()) {
                return false;
            }
            var now = Times.now(clock);
            h.createUpdate("UPDATE server SET suspended = FALSE, resume_on_unsuspend = FALSE, version = version + 1, updated = :now "
                    + "WHERE id = :id").bind("now", now).bind("id", id).execute();
            if (server.resumeOnUnsuspend() && server.commissionStatus() == Server.BUILT) {
                Server fresh = locks.requireFree(h, id);
                locks.enqueue(h, fresh, Actions.BOOT, "{}", now, null);
                return true;
            }
            return false;
        });
        if (boot) {
            wakeWorkers.run();
        }
        Responses.noContent(ctx);
    }

    @Override
    public void run(QueueItem item, StepRecorder steps) {
        ServerDetails d = serverService.details(item.serverId());
        HypervisorDriver driver = drivers.forHypervisor(d.hypervisor());
        String uuid = d.server().uuid();
        steps.step("server.power.suspend", () -> {
            boolean running = driver.status(uuid) == DomainStatus.RUNNING;
            jdbi.useHandle(h -> h.createUpdate("UPDATE server SET resume_on_unsuspend = :running WHERE id = :id AND locked_queue_id = :item")
                    .bind("running", running).bind("id", item.serverId()).bind("item", item.id()).execute());
            return running ? driver.powerOff(uuid) + "; it boots again on unsuspend" : "domain " + uuid + " was not running";
        });
    }

    @Override
    public void completed(Handle h, QueueItem item) {
        ServerLocks.release(h, item.serverId(), item.id(), Times.now(clock));
    }

    @Override
    public void cleanUp(QueueItem item, Exception failure) {
        // The server stays marked suspended; the domain keeps whatever state the driver left.
    }

    @Override
    public void failed(Handle h, QueueItem item, String message) {
        ServerLocks.release(h, item.serverId(), item.id(), Times.now(clock));
    }
}
