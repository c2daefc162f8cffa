package dev.kiln.http;

import dev.kiln.testing.DatabaseKind;

class BadInputH2Test extends BadInputCases {

    @Override
    DatabaseKind database() {
        return DatabaseKind.H2;
    }
}
