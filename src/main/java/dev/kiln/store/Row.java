package dev.kiln.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * The current row of a result set, read by column label. The labels are looked up in a
 * {@link Labels} index, which a query can keep from one call to the next ({@link Labels.Cache}).
 * Reading by label through H2's driver (2.5.252) costs more, because the driver builds a map of
 * every label for each result set and upper-cases each label that it is given.
 */
public final class Row {

    private final ResultSet rs;
    private final Labels labels;

    Row(ResultSet rs, Labels labels) {
        this.rs = rs;
        this.labels = labels;
    }

    /** Returns a row whose labels are indexed for this call only. */
    static Row of(ResultSet rs) throws SQLException {
        return new Row(rs, Labels.of(rs.getMetaData()));
    }

    /**
     * Returns a JDBI row mapper that indexes the labels once per result set, when JDBI
     * specializes it, and maps each row through {@code mapping}.
     */
    public static <T> RowMapper<T> mapper(Mapping<T> mapping) {
        return new RowMapper<>() {
            @Override
            public T map(ResultSet rs, StatementContext ctx) throws SQLException {
                return mapping.map(Row.of(rs));
            }

            @Override
            public RowMapper<T> specialize(ResultSet rs, StatementContext ctx) throws SQLException {
                Labels labels = Labels.of(rs.getMetaData());
                return (row, context) -> mapping.map(new Row(row, labels));
            }
        };
    }

    /** A function that maps one row to a value. */
    @FunctionalInterface
    public interface Mapping<T> {
        T map(Row row) throws SQLException;
    }

    /**
     * Returns the same row, read through the labels that start with {@code prefix}, with the
     * prefix removed. A joined row whose user columns are labelled {@code u_id}, {@code u_name}
     * and so on reads as a user row through {@code prefixed("u_")}.
     */
    public Row prefixed(String prefix) {
        return new Row(rs, labels.prefixed(prefix));
    }

    public long getLong(String label) throws SQLException {
        return rs.getLong(labels.position(label));
    }

    /** Returns the value, or null for SQL NULL. */
    public Long getNullableLong(String label) throws SQLException {
        long value = rs.getLong(labels.position(label));
        return rs.wasNull() ? null : value;
    }

    public int getInt(String label) throws SQLException {
        return rs.getInt(labels.position(label));
    }

    public String getString(String label) throws SQLException {
        return rs.getString(labels.position(label));
    }

    public boolean getBoolean(String label) throws SQLException {
        return rs.getBoolean(labels.position(label));
    }

    public OffsetDateTime getTime(String label) throws SQLException {
        return rs.getObject(labels.position(label), OffsetDateTime.class);
    }

    public boolean isNull(String label) throws SQLException {
        return rs.getObject(labels.position(label)) == null;
    }
}
