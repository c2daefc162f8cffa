package dev.kiln.servers;

import dev.kiln.testing.DatabaseKind;

class HypervisorUsageH2Test extends HypervisorUsageCases {

    @Override
    DatabaseKind database() {
        return DatabaseKind.H2;
    }
}
