package dev.kiln.servers;

import dev.kiln.testing.DatabaseKind;

class PowerActionsH2Test extends PowerActionsCases {

    @Override
    DatabaseKind kind() {
        return DatabaseKind.H2;
    }
}
