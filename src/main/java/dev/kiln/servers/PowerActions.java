package dev.kiln.servers;

import dev.kiln.LockedException;
import dev.kiln.NotFoundException;
import dev.kiln.Times;
import dev.kiln.ValidationException;
import dev.kiln.hypervisors.Drivers;
import dev.kiln.hypervisors.HypervisorDriver;
import dev.kiln.http.Json;
import dev.kiln.http.Responses;
import dev.kiln.http.Routes;
import dev.kiln.queue.Actions;
import dev.kiln.queue.QueueHandler;
import dev.kiln.queue.QueueItem;
import dev.kiln.queue.QueueStore;
import dev.kiln.queue.StepRecorder;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Clock;
import java.util.Map;
import java.util.function.BiFunction;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * {@code POST /servers/{id}/power/{boot,shutdown,restart,poweroff}}: each queues an item that
 * holds the server like a build does (423 while another item holds it) and answers
 * {@code {"data":{"queueId":N}}}. The handler runs the action through the driver.
 */
public final class PowerActions implements Routes, QueueHandler {

    private static final Map<String, String> ACTIONS = Map.of(
            "boot", Actions.BOOT, "shutdown", Actions.SHUTDOWN, "restart", Actions.RESTART, "poweroff", Actions.POWEROFF);

    private final Jdbi jdbi;
    private final ServerLocks locks;
    private final ServerService serverService;
    private final Drivers drivers;
    private final Clock clock;
    private final Runnable wakeWorkers;

    public PowerActions(Jdbi jdbi, ServerStore servers, ServerService serverService, QueueStore queue, Drivers drivers,
            Clock clock, Runnable wakeWorkers) {
        this.jdbi = jdbi;
        this.locks = new ServerLocks(servers, queue);
        this.serverService = serverService;
        this.drivers = drivers;
        this.clock = clock;
        this.wakeWorkers = wakeWorkers;
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.post("/api/v1/servers/{id}/power/{action}", this::queueAction);
    }

    private void queueAction(Context ctx) {
        long id = Responses.id(ctx, "id", "server not found");
        String action = ACTIONS.get(ctx.pathParam("action"));
        if (action == null) {
            throw new NotFoundException("unknown power action '" + ctx.pathParam("action")
                    + "'; expected boot, shutdown, restart or poweroff");
        }
        long itemId = jdbi.inTransaction(h -> enqueue(h, id, action));
        wakeWorkers.run();
        Responses.data(ctx, Json.object().put("queueId", itemId));
    }

    private long enqueue(Handle h, long serverId, String action) {
        Server server = locks.requireFree(h, serverId);
        if (server.commissionStatus() != Server.BUILT) {
            throw new ValidationException("The server has no operating system installed yet; build it first.");
        }
        if (server.suspended() && (Actions.BOOT.equals(action) || Actions.RESTART.equals(action))) {
            throw new LockedException("server is suspended; unsuspend it before booting");
        }
        return locks.enqueue(h, server, action, "{}", Times.now(clock), null);
    }

    @Override
    public void run(QueueItem item, StepRecorder steps) {
        ServerDetails d = serverService.details(item.serverId());
        HypervisorDriver driver = drivers.forHypervisor(d.hypervisor());
        String uuid = d.server().uuid();
        BiFunction<HypervisorDriver, String, String> operation = switch (item.action()) {
            case Actions.BOOT -> HypervisorDriver::start;
            case Actions.SHUTDOWN -> HypervisorDriver::shutdown;
            case Actions.RESTART -> HypervisorDriver::reboot;
            case Actions.POWEROFF -> HypervisorDriver::powerOff;
            default -> throw new IllegalStateException("not a power action: " + item.action());
        };
        steps.step("server.power." + item.action().replace("_server", ""), () -> operation.apply(driver, uuid));
    }

    @Override
    public void completed(Handle h, QueueItem item) {
        release(h, item);
    }

    @Override
    public void cleanUp(QueueItem item, Exception failure) {
        // A failed power action leaves nothing half done: the domain keeps its previous state.
    }

    @Override
    public void failed(Handle h, QueueItem item, String message) {
        release(h, item);
    }

    private void release(Handle h, QueueItem item) {
        ServerLocks.release(h, item.serverId(), item.id(), Times.now(clock));
    }

    /** Handlers by action, for the workers. */
    public Map<String, QueueHandler> handlers() {
        return Map.of(Actions.BOOT, this, Actions.SHUTDOWN, this, Actions.RESTART, this, Actions.POWEROFF, this);
    }
}
