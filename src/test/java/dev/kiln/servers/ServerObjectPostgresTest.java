package dev.kiln.servers;

import dev.kiln.testing.DatabaseKind;

class ServerObjectPostgresTest extends ServerObjectCases {

    @Override
    DatabaseKind database() {
        return DatabaseKind.POSTGRESQL;
    }
}
