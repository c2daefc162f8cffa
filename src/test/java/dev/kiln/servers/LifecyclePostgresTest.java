package dev.kiln.servers;

import dev.kiln.testing.DatabaseKind;

class LifecyclePostgresTest extends LifecycleCases {

    @Override
    DatabaseKind database() {
        return DatabaseKind.POSTGRESQL;
    }
}
