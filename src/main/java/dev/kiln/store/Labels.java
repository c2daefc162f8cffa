package dev.kiln.store;

import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jdbi.v3.core.mapper.RowMapper;

/**
 * The column positions of a query's result, by label. Immutable once made, apart from the
 * prefixed views it keeps, so one instance serves every thread that runs the query.
 */
public final class Labels {

    private final Map<String, Integer> positions;
    private final Map<String, Labels> prefixed = new ConcurrentHashMap<>();

    private Labels(Map<String, Integer> positions) {
        this.positions = positions;
    }

    /** Indexes the labels of a result. Of two equal labels the first wins, as in JDBC. */
    static Labels of(ResultSetMetaData meta) throws SQLException {
        Map<String, Integer> positions = new HashMap<>();
        for (int i = 1; i <= meta.getColumnCount(); i++) {
            positions.putIfAbsent(meta.getColumnLabel(i), i);
        }
        return new Labels(Map.copyOf(positions));
    }

    int position(String label) throws SQLException {
        Integer position = positions.get(label);
        if (position == null) {
            throw new SQLException("the query's result has no column labelled " + label);
        }
        return position;
    }

    Labels prefixed(String prefix) {
        return prefixed.computeIfAbsent(prefix, p -> {
            Map<String, Integer> stripped = new HashMap<>();
            positions.forEach((label, position) -> {
                if (label.startsWith(p)) {
                    stripped.putIfAbsent(label.substring(p.length()), position);
                }
            });
            return new Labels(Map.copyOf(stripped));
        });
    }

    /**
     * The labels of one query, indexed from its first result and kept for its later ones. The
     * select list fixes the labels and their order, so one cache serves the queries that share a
     * select list. Keep it in an object of the process that owns the database connection, not in
     * a static field, so that two databases in one JVM (tests) never share it.
     */
    public static final class Cache {

        private volatile Labels labels;

        /** Returns a JDBI row mapper that reads through this cache and maps each row through {@code mapping}. */
        public <T> RowMapper<T> mapper(Row.Mapping<T> mapping) {
            return (rs, ctx) -> mapping.map(row(rs));
        }

        Row row(ResultSet rs) throws SQLException {
            Labels known = labels;
            if (known == null) {
                known = Labels.of(rs.getMetaData());
                labels = known;
            }
            return new Row(rs, known);
        }
    }
}
