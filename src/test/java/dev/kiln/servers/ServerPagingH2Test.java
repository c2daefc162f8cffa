package dev.kiln.servers;

import dev.kiln.testing.DatabaseKind;

class ServerPagingH2Test extends ServerPagingCases {

    @Override
    DatabaseKind database() {
        return DatabaseKind.H2;
    }
}
