package dev.kiln.queue;

import dev.kiln.testing.DatabaseKind;

class QueueLoadH2Test extends QueueLoadCases {

    @Override
    DatabaseKind kind() {
        return DatabaseKind.H2;
    }
}
