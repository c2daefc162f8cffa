package dev.kiln.store;

import dev.kiln.testing.TestDatabases;

class UsageMigrationPostgresTest extends UsageMigrationCases {

    @Override
    TestDatabases.Credentials emptyDatabase() {
        return TestDatabases.newPostgresDatabase();
    }
}
