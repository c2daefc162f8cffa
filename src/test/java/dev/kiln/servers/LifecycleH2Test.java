package dev.kiln.servers;

import dev.kiln.testing.DatabaseKind;

class LifecycleH2Test extends LifecycleCases {

    @Override
    DatabaseKind database() {
        return DatabaseKind.H2;
    }
}
