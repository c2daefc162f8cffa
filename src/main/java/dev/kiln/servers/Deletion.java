package dev.kiln.servers;

import dev.kiln.LockedException;
import dev.kiln.NotFoundException;
import dev.kiln.Times;
import dev.kiln.http.JsonBody;
import dev.kiln.http.Responses;
import dev.kiln.http.Routes;
import dev.kiln.hypervisors.Drivers;
import dev.kiln.hypervisors.HypervisorUsage;
import dev.kiln.network.NetworkStore;
import dev.kiln.queue.Actions;
import dev.kiln.queue.QueueHandler;
import dev.kiln.queue.QueueItem;
import dev.kiln.queue.StepRecorder;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Duration;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code DELETE /servers/{id}?delay=N}: schedules the deletion N minutes ahead (0 to 43800,
 * default 5) as a queue item that locks the server, responds 204, and keeps the server visible
 * until the item runs. The item destroys the domain and its volumes, releases the addresses
 * and removes the server's rows, its queue history included.
 */
public final class Deletion implements Routes, QueueHandler {

    private static final Logger LOG = LoggerFactory.getLogger(Deletion.class);

    /** Grace period when the request names no delay, in minutes. */
    static final int DEFAULT_DELAY_MINUTES = 5;
    static final int MAX_DELAY_MINUTES = 43_800;

    private final Jdbi jdbi;
    private final ServerLocks locks;
    private final ServerStore servers;
    private final ServerService serverService;
    private final NetworkStore network;
    private final Drivers drivers;
    private final Clock clock;
    private final Runnable wakeWorkers;

    public Deletion(Jdbi jdbi, ServerStore servers, dev.kiln.queue.QueueStore queue, ServerService serverService,
            NetworkStore network, Drivers drivers, Clock clock, Runnable wakeWorkers) {
        this.jdbi = jdbi;
        this.locks = new ServerLocks(servers, queue);
        this.servers = servers;
        this.serverService = serverService;
        this.network = network;
        this.drivers = drivers;
        this.clock = clock;
        this.wakeWorkers = wakeWorkers;
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.delete("/api/v1/servers/{id}", this::schedule);
    }

    private void schedule(Context ctx) {
        long id = Responses.id(ctx, "id", "server not found");
        int delay = delayMinutes(ctx);
        jdbi.useTransaction(h -> {
            var now = Times.now(clock);
            var when = now.plus(Duration.ofMinutes(delay));
            Server server = servers.find(h, id).orElseThrow(() -> new NotFoundException("server not found"));
            if (server.deleteAfter() != null && server.lockedQueueId() != null) {
                // Already scheduled: a new request moves the time, as VirtFusion does.
                h.createUpdate("UPDATE queue_item SET not_before = :when, updated = :now WHERE id = :item AND status = 'queued'")
                        .bind("when", when).bind("now", now).bind("item", server.lockedQueueId()).execute();
            } else {
                if (server.isProtected()) {
                    throw new LockedException("server is protected from deletion");
                }
                Server free = locks.requireFree(h, id);
                locks.enqueue(h, free, Actions.DELETE, "{}", now, when);
            }
            h.createUpdate("UPDATE server SET delete_after = :when WHERE id = :id").bind("when", when).bind("id", id).execute();
            LOG.info("server {}: deletion scheduled in {} minutes", id, delay);
        });
        if (delay == 0) {
            wakeWorkers.run();
        }
        Responses.noContent(ctx);
    }

    private static int delayMinutes(Context ctx) {
        String raw = ctx.queryParam("delay");
        if (raw == null || raw.isBlank()) {
            JsonBody body = Responses.body(ctx);
            Integer fromBody = body.optionalInt("delay", 0, MAX_DELAY_MINUTES);
            body.validate();
            return fromBody == null ? DEFAULT_DELAY_MINUTES : fromBody;
        }
        JsonBody query = JsonBody.parse("{\"delay\":" + dev.kiln.http.Json.MAPPER.valueToTree(raw.strip()) + "}");
        Integer delay = query.optionalInt("delay", 0, MAX_DELAY_MINUTES);
        query.validate();
        return delay;
    }

    @Override
    public void run(QueueItem item, StepRecorder steps) {
        ServerDetails d = serverService.details(item.serverId());
        steps.step("server.delete", () -> drivers.forHypervisor(d.hypervisor()).delete(d.server().uuid()));
    }

    @Override
    public void completed(Handle h, QueueItem item) {
        long id = item.serverId();
        // The usage row is locked before the server is read, as every change to a server's resources does.
        if (HypervisorUsage.lockOfServer(h, id).isPresent()) {
            Server server = servers.find(h, id).orElseThrow();
            HypervisorUsage.add(h, server.hypervisorId(), -1, -server.memoryMb(), -server.cpuCores(), -server.storageGb());
        }
        network.releaseAll(h, id);
        h.createUpdate("DELETE FROM server_ssh_key WHERE server_id = :id").bind("id", id).execute();
        for (String table : new String[] {"server_disk", "server_traffic"}) {
            h.createUpdate("DELETE FROM " + table + " WHERE server_id = :id").bind("id", id).execute();
        }
        h.createUpdate("UPDATE server SET locked_queue_id = NULL WHERE id = :id").bind("id", id).execute();
        h.createUpdate("DELETE FROM queue_step WHERE queue_item_id IN (SELECT id FROM queue_item WHERE server_id = :id)")
                .bind("id", id).execute();
        h.createUpdate("DELETE FROM queue_item WHERE server_id = :id").bind("id", id).execute();
        h.createUpdate("DELETE FROM server WHERE id = :id").bind("id", id).execute();
        LOG.info("server {}: deleted; addresses and capacity released", id);
    }

    @Override
    public void cleanUp(QueueItem item, Exception failure) {
        // Nothing to undo: the domain and volumes are either gone or still whole for a retry.
    }

    @Override
    public void failed(Handle h, QueueItem item, String message) {
        h.createUpdate("UPDATE server SET delete_after = NULL WHERE id = :id").bind("id", item.serverId()).execute();
        ServerLocks.release(h, item.serverId(), item.id(), Times.now(clock));
        LOG.warn("server {}: deletion failed ({}); the server stays and a new DELETE retries", item.serverId(), message);
    }
}
