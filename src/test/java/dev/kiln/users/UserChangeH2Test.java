package dev.kiln.users;

import dev.kiln.testing.DatabaseKind;

class UserChangeH2Test extends UserChangeCases {

    @Override
    DatabaseKind database() {
        return DatabaseKind.H2;
    }
}
