package dev.kiln.queue;

import dev.kiln.testing.DatabaseKind;

class LeasePostgresTest extends LeaseCases {

    @Override
    DatabaseKind kind() {
        return DatabaseKind.POSTGRESQL;
    }
}
