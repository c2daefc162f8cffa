package dev.kiln.servers;

import dev.kiln.testing.DatabaseKind;

class ServerPagingPostgresTest extends ServerPagingCases {

    @Override
    DatabaseKind database() {
        return DatabaseKind.POSTGRESQL;
    }
}
