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
}
