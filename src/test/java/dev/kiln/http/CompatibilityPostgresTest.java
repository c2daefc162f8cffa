package dev.kiln.http;

import dev.kiln.testing.DatabaseKind;

class CompatibilityPostgresTest extends CompatibilityCases {

    @Override
    DatabaseKind database() {
        return DatabaseKind.POSTGRESQL;
    }
}
