package dev.kiln.store;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.jdbi.v3.core.statement.SqlLogger;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * Counts the SQL statements that JDBI sends, as the counter {@code kiln.sql.statements}
 * ({@code kiln_sql_statements_total} in Prometheus). The tag {@code thread} names the sender:
 * {@code http} for request handlers (Javalin runs them on virtual threads), {@code worker} for
 * the queue workers, {@code other} for the rest (start-up, lease heartbeat). A statement counts
 * once it is sent, whether it succeeds or fails in the database. Not counted: statements that
 * the driver rejects while preparing them (H2 does so for an unknown table), and Flyway's
 * migrations, which do not go through JDBI.
 */
public final class StatementCounter implements SqlLogger {

    public static final String NAME = "kiln.sql.statements";

    /** Name prefix of the queue worker threads ({@code dev.kiln.queue.Workers}). */
    static final String WORKER_THREAD_PREFIX = "kiln-worker-";

    private final Counter http;
    private final Counter worker;
    private final Counter other;

    public StatementCounter(MeterRegistry registry) {
        this.http = counter(registry, "http");
        this.worker = counter(registry, "worker");
        this.other = counter(registry, "other");
    }

    private static Counter counter(MeterRegistry registry, String thread) {
        return Counter.builder(NAME).description("SQL statements sent through JDBI").tag("thread", thread).register(registry);
    }

    @Override
    public void logBeforeExecution(StatementContext context) {
        Thread current = Thread.currentThread();
        if (current.isVirtual()) {
            http.increment();
        } else if (current.getName().startsWith(WORKER_THREAD_PREFIX)) {
            worker.increment();
        } else {
            other.increment();
        }
    }
}
