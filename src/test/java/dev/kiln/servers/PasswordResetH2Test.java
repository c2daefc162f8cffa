package dev.kiln.servers;

import dev.kiln.testing.DatabaseKind;

class PasswordResetH2Test extends PasswordResetCases {

    @Override
    DatabaseKind database() {
        return DatabaseKind.H2;
    }
}
