package dev.kiln.users;

import dev.kiln.testing.DatabaseKind;

class LoginTokensPostgresTest extends LoginTokensCases {

    @Override
    DatabaseKind database() {
        return DatabaseKind.POSTGRESQL;
    }
}
