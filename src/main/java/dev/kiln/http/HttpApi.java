package dev.kiln.http;

import dev.kiln.ConflictException;
import dev.kiln.KilnException;
import dev.kiln.LockedException;
import dev.kiln.NotFoundException;
import dev.kiln.ValidationException;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.util.List;
import java.util.function.Consumer;
import org.eclipse.jetty.server.Server;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Javalin application: bearer authentication, error mapping in one place, and the routes
 * each domain registers. Every answer is JSON, whatever the {@code Accept} header says, except
 * {@code GET /metrics} (Prometheus' text format).
 */
public final class HttpApi {

    private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);

    private HttpApi() {
    }

    /**
     * Creates the application without starting it.
     *
     * @param tokens checks bearer tokens
     * @param connectors adds the listening connector (plain or TLS) to the Jetty server
     */
    public static Javalin create(TokenCheck tokens, Consumer<Server> connectors, List<Routes> routes) {
        return Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            config.concurrency.useVirtualThreads = true;
            config.router.ignoreTrailingSlashes = true;
            config.router.treatMultipleSlashesAsSingleSlash = true;
            config.http.strictContentTypes = false;
            config.http.maxRequestSize = 1_000_000;
            config.jetty.modifyServer(connectors);
            config.jetty.modifyServer(server -> server.setErrorHandler(new JsonErrorHandler()));

            config.routes.before("/api/*", tokens::require);
            config.routes.before("/metrics", tokens::require);
            routes.forEach(r -> r.register(config.routes));

            config.routes.exception(ValidationException.class, (e, ctx) -> errors(ctx, 422, e.errors()));
            config.routes.exception(MalformedJsonException.class, (e, ctx) -> errors(ctx, 400, List.of(e.getMessage())));
            config.routes.exception(NotFoundException.class, (e, ctx) -> msg(ctx, 404, e.getMessage()));
            config.routes.exception(LockedException.class, (e, ctx) -> msg(ctx, 423, e.getMessage()));
            config.routes.exception(ConflictException.class, (e, ctx) -> msg(ctx, 409, e.getMessage()));
            config.routes.exception(UnauthorizedException.class, (e, ctx) -> msg(ctx, 401, e.getMessage()));
            config.routes.exception(HttpResponseException.class, HttpApi::frameworkError);
            config.routes.exception(KilnException.class, (e, ctx) -> {
                LOG.warn("{} {}: request failed: {}", ctx.method(), ctx.path(), e.getMessage());
                msg(ctx, 500, "internal error: " + e.getMessage());
            });
            config.routes.exception(Exception.class, (e, ctx) -> {
                LOG.error("{} {}: unexpected failure; answered 500", ctx.method(), ctx.path(), e);
                msg(ctx, 500, "internal error; see the Kiln log");
            });
            config.routes.error(404, ctx -> {
                if (ctx.result() == null || ctx.result().isEmpty()) {
                    msg(ctx, 404, "not found");
                }
            });
        });
    }

    private static void frameworkError(HttpResponseException e, Context ctx) {
        int status = e.getStatus();
        String message = switch (status) {
            case 404 -> "not found";
            case 405 -> "method not allowed";
            case 413 -> "request body is too large";
            default -> e.getMessage() == null ? "request failed" : e.getMessage();
        };
        msg(ctx, status, message);
    }

    static void msg(Context ctx, int status, String message) {
        Responses.json(ctx, status, Json.object().put("msg", message));
    }

    static void errors(Context ctx, int status, List<String> errors) {
        var body = Json.object();
        var list = body.putArray("errors");
        errors.forEach(list::add);
        body.put("message", errors.isEmpty() ? "invalid request" : errors.get(0));
        Responses.json(ctx, status, body);
    }
}
