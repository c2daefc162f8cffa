package dev.kiln.servers;

import dev.kiln.testing.DatabaseKind;

class ServerObjectH2Test extends ServerObjectCases {

    @Override
    DatabaseKind database() {
        return DatabaseKind.H2;
    }
}
