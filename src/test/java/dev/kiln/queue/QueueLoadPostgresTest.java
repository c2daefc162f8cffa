package dev.kiln.queue;

import dev.kiln.testing.DatabaseKind;

class QueueLoadPostgresTest extends QueueLoadCases {

    @Override
    DatabaseKind kind() {
        return DatabaseKind.POSTGRESQL;
    }
}
