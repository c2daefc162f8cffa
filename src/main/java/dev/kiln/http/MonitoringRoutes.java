package dev.kiln.http;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /health}, open to anyone, for load balancers and process supervisors; and
 * {@code GET /metrics}, Prometheus' text format, which needs the bearer token like the API
 * because it shows the node's load and database use ({@link HttpApi} checks it).
 */
public final class MonitoringRoutes implements Routes {

    private static final Logger LOG = LoggerFactory.getLogger(MonitoringRoutes.class);

    /** Prometheus' text exposition format, version 0.0.4, which {@code scrape()} without arguments writes. */
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final Jdbi jdbi;
    private final PrometheusMeterRegistry registry;

    public MonitoringRoutes(Jdbi jdbi, PrometheusMeterRegistry registry) {
        this.jdbi = jdbi;
        this.registry = registry;
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.get("/health", this::health);
        routes.get("/metrics", this::metrics);
    }

    /** Returns 200 {"status":"ok"} once the database runs {@code SELECT 1}, else 503. */
    private void health(Context ctx) {
        try {
            jdbi.withHandle(h -> h.createQuery("SELECT 1").mapTo(Integer.class).one());
        } catch (JdbiException e) {
            LOG.warn("health check: the database did not answer SELECT 1: {}; answering 503", e.getMessage());
            Responses.json(ctx, 503, Json.object().put("status", "unavailable").put("msg", "database unavailable"));
            return;
        }
        Responses.json(ctx, 200, Json.object().put("status", "ok"));
    }

    private void metrics(Context ctx) {
        ctx.status(200).contentType(PROMETHEUS_TEXT).result(registry.scrape());
    }
}
