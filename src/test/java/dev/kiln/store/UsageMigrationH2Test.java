package dev.kiln.store;

import dev.kiln.testing.TestDatabases;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class UsageMigrationH2Test extends UsageMigrationCases {

    @TempDir
    Path dataDir;

    @Override
    TestDatabases.Credentials emptyDatabase() {
        return new TestDatabases.Credentials(Database.h2Url(dataDir), "kiln", "");
    }
}
