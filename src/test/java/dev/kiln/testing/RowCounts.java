package dev.kiln.testing;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Handle;

/**
 * Snapshots of what a request may have written, as numbers. A snapshot has the row count of
 * every application table, the sum of the server rows' compare-and-set versions (every server
 * update raises it) and the number of assigned IPv4 addresses. The tables are found through
 * JDBC metadata when this object is made, so tables added by later migrations count too. Two
 * equal snapshots mean nothing was inserted, deleted or moved in between.
 */
public final class RowCounts {

    private final TestKiln kiln;
    private final List<String> names = new ArrayList<>();
    private final String query;

    public RowCounts(TestKiln kiln) {
        this.kiln = kiln;
        List<String> columns = new ArrayList<>();
        for (String table : kiln.server().database().jdbi().withHandle(h -> applicationTables(h.getConnection()))) {
            names.add(table);
            columns.add("(SELECT COUNT(*) FROM " + table + ")");
        }
        names.add("server versions");
        columns.add("(SELECT COALESCE(SUM(version), 0) FROM server)");
        names.add("assigned ipv4");
        columns.add("(SELECT COUNT(*) FROM ipv4_address WHERE server_id IS NOT NULL)");
        this.query = "SELECT " + columns.stream().collect(Collectors.joining(", "));
    }

    /** Takes one snapshot, reading the table list first. Suites that take many should keep a {@code RowCounts}. */
    public static Map<String, Long> of(TestKiln kiln) {
        return new RowCounts(kiln).snapshot();
    }

    /** Takes a snapshot in one query. */
    public Map<String, Long> snapshot() {
        return kiln.server().database().jdbi().withHandle(h -> h.createQuery(query).map((rs, ctx) -> {
            Map<String, Long> counts = new TreeMap<>();
            for (int i = 0; i < names.size(); i++) {
                counts.put(names.get(i), rs.getLong(i + 1));
            }
            return counts;
        }).one());
    }

    /** Counts the rows of one table, or of a table filtered by a SQL condition. */
    public static long count(TestKiln kiln, String tableAndCondition) {
        return kiln.server().database().jdbi().withHandle((Handle h) ->
                h.createQuery("SELECT COUNT(*) FROM " + tableAndCondition).mapTo(Long.class).one());
    }

    private static List<String> applicationTables(Connection connection) {
        List<String> tables = new ArrayList<>();
        try (ResultSet rs = connection.getMetaData().getTables(null, null, "%", new String[] {"TABLE"})) {
            while (rs.next()) {
                String schema = rs.getString("TABLE_SCHEM");
                String name = rs.getString("TABLE_NAME").toLowerCase(Locale.ROOT);
                if ("public".equalsIgnoreCase(schema) && !name.startsWith("flyway_")) {
                    tables.add(name);
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("the table list could not be read: " + e.getMessage(), e);
        }
        return tables;
    }
}
