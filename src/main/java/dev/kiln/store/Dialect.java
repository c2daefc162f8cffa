package dev.kiln.store;

/** The one place where H2 and PostgreSQL differ in the SQL Kiln sends. */
public enum Dialect {
    H2,
    POSTGRESQL;

    static Dialect of(String jdbcUrl) {
        return jdbcUrl.startsWith("jdbc:postgresql:") ? POSTGRESQL : H2;
    }

    /**
     * Suffix of a claim query: PostgreSQL skips rows that another worker holds; H2 has no
     * SKIP LOCKED, so there the claim relies on its compare-and-set update alone.
     */
    public String skipLocked() {
        return this == POSTGRESQL ? " FOR UPDATE SKIP LOCKED" : "";
    }

    /**
     * Returns whether several small queries cost less than one {@code UNION ALL} of them. On
     * PostgreSQL every statement is a round trip to the server. H2 runs in the process. It reuses
     * the plan of a simple query, but it prepared a four-branch {@code UNION ALL} afresh for each
     * statement: about 50 µs against 1 to 3 µs for each branch alone (H2 2.5.252, measured with a
     * JDBC loop on a bench database).
     */
    public boolean prefersSeparateQueries() {
        return this == H2;
    }
}
