package dev.kiln.http;

import dev.kiln.testing.DatabaseKind;

class BadInputPostgresTest extends BadInputCases {

    @Override
    DatabaseKind database() {
        return DatabaseKind.POSTGRESQL;
    }
}
