package dev.kiln.servers;

import dev.kiln.testing.DatabaseKind;

class PasswordResetPostgresTest extends PasswordResetCases {

    @Override
    DatabaseKind database() {
        return DatabaseKind.POSTGRESQL;
    }
}
