package dev.kiln.servers;

import dev.kiln.testing.DatabaseKind;

class BillingFlowH2Test extends BillingFlowCases {

    @Override
    DatabaseKind database() {
        return DatabaseKind.H2;
    }
}
