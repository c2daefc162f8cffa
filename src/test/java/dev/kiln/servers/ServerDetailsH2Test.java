package dev.kiln.servers;

import dev.kiln.testing.DatabaseKind;

class ServerDetailsH2Test extends ServerDetailsCases {

    @Override
    DatabaseKind database() {
        return DatabaseKind.H2;
    }
}
