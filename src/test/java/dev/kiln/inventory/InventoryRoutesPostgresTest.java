package dev.kiln.inventory;

import dev.kiln.testing.DatabaseKind;

class InventoryRoutesPostgresTest extends InventoryRoutesCases {

    @Override
    DatabaseKind database() {
        return DatabaseKind.POSTGRESQL;
    }
}
