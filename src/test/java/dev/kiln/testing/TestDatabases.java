package dev.kiln.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * PostgreSQL for tests: the server named by {@code KILN_TEST_PG_URL} (a JDBC URL with user and
 * password of a role that may create databases; {@code .ci/run} starts Debian's PostgreSQL),
 * else one embedded PostgreSQL per test JVM. Every caller gets a database of its own.
 */
public final class TestDatabases {

    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static EmbeddedPostgres embedded;

    private TestDatabases() {
    }

    /** A JDBC URL, user and password for a new, empty PostgreSQL database. */
    public static synchronized Credentials newPostgresDatabase() {
        String adminUrl = System.getenv("KILN_TEST_PG_URL");
        String user = envOr("KILN_TEST_PG_USER", "postgres");
        String password = envOr("KILN_TEST_PG_PASSWORD", "postgres");
        if (adminUrl == null) {
            adminUrl = embedded().getJdbcUrl("postgres", "postgres");
            user = "postgres";
            password = "postgres";
        }
        String name = "kiln_test_" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
        try (Connection c = DriverManager.getConnection(adminUrl, user, password); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("test database " + name + " could not be created on " + adminUrl + ": " + e.getMessage(), e);
        }
        String url = adminUrl.replaceFirst("/[^/?]*(\\?|$)", "/" + name + "$1");
        return new Credentials(url, user, password);
    }

    private static EmbeddedPostgres embedded() {
        if (embedded == null) {
            try {
                embedded = EmbeddedPostgres.builder().start();
            } catch (IOException e) {
                throw new UncheckedIOException("embedded PostgreSQL did not start; set KILN_TEST_PG_URL to use a running server", e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    embedded.close();
                } catch (IOException ignored) {
                    // The JVM is ending; the temporary cluster directory is removed with it.
                }
            }));
        }
        return embedded;
    }

    private static String envOr(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }

    /** Connection settings of one test database. */
    public record Credentials(String url, String user, String password) {
    }
}
