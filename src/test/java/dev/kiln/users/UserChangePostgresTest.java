package dev.kiln.users;

import dev.kiln.testing.DatabaseKind;

class UserChangePostgresTest extends UserChangeCases {

    @Override
    DatabaseKind database() {
        return DatabaseKind.POSTGRESQL;
    }
}
