package dev.kiln.queue;

import dev.kiln.testing.DatabaseKind;

class LeaseH2Test extends LeaseCases {

    @Override
    DatabaseKind kind() {
        return DatabaseKind.H2;
    }
}
