package dev.kiln.users;

import dev.kiln.testing.DatabaseKind;

class LoginTokensH2Test extends LoginTokensCases {

    @Override
    DatabaseKind database() {
        return DatabaseKind.H2;
    }
}
