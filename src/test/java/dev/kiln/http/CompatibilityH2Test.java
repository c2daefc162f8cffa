package dev.kiln.http;

import dev.kiln.testing.DatabaseKind;

class CompatibilityH2Test extends CompatibilityCases {

    @Override
    DatabaseKind database() {
        return DatabaseKind.H2;
    }
}
