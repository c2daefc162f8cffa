package dev.kiln.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Jdbi;

/**
 * The connection pool, the migrated schema and the JDBI handle factory on top of them.
 * Kiln runs on an H2 file database by default and on PostgreSQL when a JDBC URL is given.
 */
public final class Database implements AutoCloseable {

    private final HikariDataSource dataSource;
    private final Jdbi jdbi;
    private final Dialect dialect;

    private Database(HikariDataSource dataSource, Dialect dialect) {
        this.dataSource = dataSource;
        this.dialect = dialect;
        this.jdbi = Jdbi.create(dataSource);
    }

    /**
     * Opens the pool and migrates the schema.
     *
     * @param url JDBC URL, or null for the H2 file database under {@code dataDir}
     */
    public static Database open(String url, String user, String password, Path dataDir, int poolSize) {
        String jdbcUrl = url != null ? url : h2Url(dataDir);

        HikariConfig config = new HikariConfig();
        config.setPoolName("kiln-db");
        config.setJdbcUrl(jdbcUrl);
        config.setUsername(url != null ? user : "kiln");
        config.setPassword(url != null ? password : "");
        config.setMaximumPoolSize(poolSize);
        config.setConnectionTimeout(10_000);
        HikariDataSource dataSource = new HikariDataSource(config);

        try {
            Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
        } catch (RuntimeException e) {
            dataSource.close();
            throw e;
        }
        return new Database(dataSource, Dialect.of(jdbcUrl));
    }

    static String h2Url(Path dataDir) {
        // PostgreSQL mode keeps the SQL the same on both databases; the lock timeout covers the
        // row locks that compare-and-set updates take under concurrent requests.
        return "jdbc:h2:file:" + dataDir.toAbsolutePath().resolve("kiln")
                + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;LOCK_TIMEOUT=10000";
    }

    public Jdbi jdbi() {
        return jdbi;
    }

    public DataSource dataSource() {
        return dataSource;
    }

    public Dialect dialect() {
        return dialect;
    }

    @Override
    public void close() {
        dataSource.close();
    }
}
