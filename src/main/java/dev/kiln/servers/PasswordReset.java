package dev.kiln.servers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.Times;
import dev.kiln.ValidationException;
import dev.kiln.hypervisors.Drivers;
import dev.kiln.http.Json;
import dev.kiln.http.JsonBody;
import dev.kiln.http.Responses;
import dev.kiln.http.Routes;
import dev.kiln.queue.Actions;
import dev.kiln.queue.QueueHandler;
import dev.kiln.queue.QueueItem;
import dev.kiln.queue.QueueStore;
import dev.kiln.queue.StepRecorder;
import dev.kiln.security.Passwords;
import dev.kiln.security.SecretBox;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Clock;
import java.util.Locale;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * {@code POST /servers/{id}/resetPassword} with {@code {"user": "root"}} (compared without case;
 * {@code Administrator} for Windows guests): queues an item that sets a new password through the
 * guest agent and answers 200 {@code {"data":{"queueId":N,"expectedPassword":"…"}}}. The item
 * carries the password sealed with the secret key; the server's stored password changes only
 * when the guest has accepted it.
 */
public final class PasswordReset implements Routes, QueueHandler {

    private final Jdbi jdbi;
    private final ServerLocks locks;
    private final ServerService serverService;
    private final Drivers drivers;
    private final SecretBox secrets;
    private final Clock clock;
    private final Runnable wakeWorkers;

    public PasswordReset(Jdbi jdbi, ServerStore servers, QueueStore queue, ServerService serverService, Drivers drivers,
            SecretBox secrets, Clock clock, Runnable wakeWorkers) {
        this.jdbi = jdbi;
        this.locks = new ServerLocks(servers, queue);
        this.serverService = serverService;
        this.drivers = drivers;
        this.secrets = secrets;
        this.clock = clock;
        this.wakeWorkers = wakeWorkers;
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.post("/api/v1/servers/{id}/resetPassword", this::reset);
    }

    private void reset(Context ctx) {
        long id = Responses.id(ctx, "id", "server not found");
        JsonBody body = Responses.body(ctx);
        String user = body.requiredString("user");
        // NOTE: sendMail is accepted for compatibility, but Kiln sends no password mail yet;
        // the caller receives the password in the response.
        body.optionalBoolean("sendMail");
        body.validate();
        String guestUser = switch (user.toLowerCase(Locale.ROOT)) {
            case "root" -> "root";
            case "administrator" -> "Administrator";
            default -> throw new ValidationException("The user field must be root or Administrator (got '" + user + "').");
        };

        String password = Passwords.random(Passwords.ROOT_PASSWORD_LENGTH);
        String payload = Json.object().put("user", guestUser).put("sealedPassword", secrets.encrypt(password)).toString();
        long itemId = jdbi.inTransaction(h -> {
            Server server = locks.requireFree(h, id);
            if (server.commissionStatus() != Server.BUILT) {
                throw new ValidationException("The server has no operating system installed yet; build it first.");
            }
            return locks.enqueue(h, server, Actions.RESET_PASSWORD, payload, Times.now(clock), null);
        });
        wakeWorkers.run();
        Responses.data(ctx, Json.object().put("queueId", itemId).put("expectedPassword", password));
    }

    @Override
    public void run(QueueItem item, StepRecorder steps) {
        JsonNode payload = item.payloadJson();
        ServerDetails d = serverService.details(item.serverId());
        String password = secrets.decrypt(payload.path("sealedPassword").asText());
        steps.step("server.password.reset", () -> drivers.forHypervisor(d.hypervisor())
                .setUserPassword(d.server().uuid(), payload.path("user").asText(), password));
    }

    @Override
    public void completed(Handle h, QueueItem item) {
        h.createUpdate("UPDATE server SET encrypted_password = :sealed WHERE id = :id AND locked_queue_id = :item")
                .bind("sealed", item.payloadJson().path("sealedPassword").asText()).bind("id", item.serverId()).bind("item", item.id())
                .execute();
        ServerLocks.release(h, item.serverId(), item.id(), Times.now(clock));
    }

    @Override
    public void cleanUp(QueueItem item, Exception failure) {
        // The guest keeps its old password and Kiln keeps the old stored one: nothing to undo.
    }

    @Override
    public void failed(Handle h, QueueItem item, String message) {
        ServerLocks.release(h, item.serverId(), item.id(), Times.now(clock));
    }
}
