package dev.kiln.servers;

import dev.kiln.testing.DatabaseKind;

class HypervisorUsagePostgresTest extends HypervisorUsageCases {

    @Override
    DatabaseKind database() {
        return DatabaseKind.POSTGRESQL;
    }
}
