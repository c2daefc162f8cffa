package dev.kiln.testing;

import dev.kiln.KilnServer;
import dev.kiln.config.KilnConfig;
import dev.kiln.hypervisors.Hypervisor;
import dev.kiln.hypervisors.HypervisorDriver;
import dev.kiln.hypervisors.simulator.SimulatorDriver;
import dev.kiln.inventory.InventoryApplier;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * A real Kiln node for tests: HTTP on a random port of 127.0.0.1, a fresh H2 or PostgreSQL
 * database, the test inventory applied and one API token, {@link #TOKEN}.
 */
public final class TestKiln implements AutoCloseable {

    public static final String TOKEN = "test-token-0123456789";

    private final KilnServer server;
    private final Path dataDir;
    private final Api api;

    private TestKiln(KilnServer server, Path dataDir) {
        this.server = server;
        this.dataDir = dataDir;
        this.api = new Api("http://127.0.0.1:" + server.port(), TOKEN);
    }

    public static Builder builder(DatabaseKind kind) {
        return new Builder(kind);
    }

    public static TestKiln start(DatabaseKind kind) {
        return builder(kind).start();
    }

    public Api api() {
        return api;
    }

    public KilnServer server() {
        return server;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** The simulator driver of a hypervisor (created on first use), for scripting faults. */
    public SimulatorDriver simulator(long hypervisorId) {
        Hypervisor hypervisor = server.database().jdbi().withHandle(h -> new dev.kiln.hypervisors.HypervisorStore(server.database().jdbi())
                .find(h, hypervisorId)).orElseThrow();
        return (SimulatorDriver) server.drivers().forHypervisor(hypervisor);
    }

    @Override
    public void close() {
        server.close();
        try (Stream<Path> files = Files.walk(dataDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Options of a test node. */
    public static final class Builder {
        private final DatabaseKind kind;
        private final Map<String, String> settings = new HashMap<>();
        private String inventory = "/test-inventory.yaml";
        private Path inventoryFile;
        private Clock clock = Clock.systemUTC();
        private Function<Hypervisor, HypervisorDriver> drivers = KilnServer::defaultDriver;
        private TestDatabases.Credentials postgres;

        private Builder(DatabaseKind kind) {
            this.kind = kind;
            settings.put("host", "127.0.0.1");
            settings.put("port", "0");
            settings.put("workers", "4");
            settings.put("db.poolSize", "8");
        }

        /** Sets a configuration key as a command-line flag would (for example {@code workers}). */
        public Builder setting(String key, String value) {
            settings.put(key, value);
            return this;
        }

        /** Applies a classpath inventory resource instead of the default test inventory; null for none. */
        public Builder inventory(String resource) {
            this.inventory = resource;
            this.inventoryFile = null;
            return this;
        }

        /** Applies an inventory file from disk instead of a classpath resource, for inventories a test writes at run time. */
        public Builder inventoryFile(Path file) {
            this.inventoryFile = file;
            this.inventory = null;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        public Builder drivers(Function<Hypervisor, HypervisorDriver> drivers) {
            this.drivers = drivers;
            return this;
        }

        /** Uses an existing PostgreSQL database (to share one between nodes). */
        public Builder postgres(TestDatabases.Credentials credentials) {
            this.postgres = credentials;
            return this;
        }

        public TestKiln start() {
            try {
                Path dataDir = Files.createTempDirectory("kiln-test-");
                Map<String, String> flags = new HashMap<>(settings);
                flags.put("dataDir", dataDir.toString());
                if (kind == DatabaseKind.POSTGRESQL) {
                    TestDatabases.Credentials db = postgres != null ? postgres : TestDatabases.newPostgresDatabase();
                    flags.put("db.url", db.url());
                    flags.put("db.user", db.user());
                    flags.put("db.password", db.password());
                }
                KilnConfig config = KilnConfig.load(null, Map.of(), flags);
                KilnServer server = KilnServer.create(config, clock, drivers);
                if (inventoryFile != null) {
                    try (InputStream in = Files.newInputStream(inventoryFile)) {
                        server.applyInventory(InventoryApplier.read(in, inventoryFile.toString()));
                    }
                } else if (inventory != null) {
                    try (InputStream in = TestKiln.class.getResourceAsStream(inventory)) {
                        server.applyInventory(InventoryApplier.read(in, inventory));
                    }
                }
                server.ensureToken("test", TOKEN);
                server.start();
                return new TestKiln(server, dataDir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
