package dev.kiln.servers;

import dev.kiln.testing.DatabaseKind;

class PowerActionsPostgresTest extends PowerActionsCases {

    @Override
    DatabaseKind kind() {
        return DatabaseKind.POSTGRESQL;
    }
}
