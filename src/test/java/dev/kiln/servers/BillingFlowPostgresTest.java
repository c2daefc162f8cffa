package dev.kiln.servers;

import dev.kiln.testing.DatabaseKind;

class BillingFlowPostgresTest extends BillingFlowCases {

    @Override
    DatabaseKind database() {
        return DatabaseKind.POSTGRESQL;
    }
}
