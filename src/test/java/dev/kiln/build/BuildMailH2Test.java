package dev.kiln.build;

import dev.kiln.testing.DatabaseKind;

class BuildMailH2Test extends BuildMailCases {

    @Override
    DatabaseKind kind() {
        return DatabaseKind.H2;
    }
}
