package dev.kiln.servers;

import dev.kiln.testing.DatabaseKind;

class ServerDetailsPostgresTest extends ServerDetailsCases {

    @Override
    DatabaseKind database() {
        return DatabaseKind.POSTGRESQL;
    }
}
