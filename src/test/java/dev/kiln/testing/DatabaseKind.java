package dev.kiln.testing;

/** The databases every repository-level suite runs on. */
public enum DatabaseKind {
    H2,
    POSTGRESQL
}
