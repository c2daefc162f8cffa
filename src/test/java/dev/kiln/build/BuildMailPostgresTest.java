package dev.kiln.build;

import dev.kiln.testing.DatabaseKind;

class BuildMailPostgresTest extends BuildMailCases {

    @Override
    DatabaseKind kind() {
        return DatabaseKind.POSTGRESQL;
    }
}
