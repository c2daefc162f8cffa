package dev.kiln.inventory;

import dev.kiln.testing.DatabaseKind;

class InventoryRoutesH2Test extends InventoryRoutesCases {

    @Override
    DatabaseKind database() {
        return DatabaseKind.H2;
    }
}
