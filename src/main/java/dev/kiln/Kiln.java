package dev.kiln;

import dev.kiln.config.KilnConfig;
import dev.kiln.inventory.Inventory;
import dev.kiln.inventory.InventoryApplier;
import dev.kiln.security.Tokens;
import dev.kiln.store.Database;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Command line entry: {@code kiln serve}, {@code kiln token create/list/revoke}, {@code kiln inventory apply}, {@code kiln migrate}. */
@Command(name = "kiln", mixinStandardHelpOptions = true, version = "Kiln 0.1.0",
        description = "VPS control plane that speaks the VirtFusion Global API.",
        subcommands = {Kiln.Serve.class, Kiln.TokenCommand.class, Kiln.InventoryCommand.class, Kiln.Migrate.class})
public final class Kiln {

    public static void main(String[] args) {
        CommandLine cli = new CommandLine(new Kiln());
        cli.setExecutionExceptionHandler((e, commandLine, parsed) -> {
            commandLine.getErr().println("kiln: " + e.getMessage());
            return 1;
        });
        System.exit(cli.execute(args));
    }

    /** Options every command shares: where the configuration and the database are. */
    static class Common {
        @Option(names = "--config", description = "YAML configuration file (optional).")
        Path configFile;

        @Option(names = "--data-dir", description = "Directory for the H2 database and the secret key file (default ./data).")
        Path dataDir;

        KilnConfig config(Map<String, String> extra) {
            Map<String, String> flags = new HashMap<>(extra);
            if (dataDir != null) {
                flags.put("dataDir", dataDir.toString());
            }
            return KilnConfig.load(configFile, System.getenv(), flags);
        }
    }

    @Command(name = "serve", mixinStandardHelpOptions = true, description = "Serve the API and run queue workers until stopped.")
    static final class Serve extends Common implements Callable<Integer> {

        @Option(names = "--port", description = "Listen port (default 8080).")
        Integer port;

        @Option(names = "--host", description = "Listen address (default 0.0.0.0).")
        String host;

        @Option(names = "--inventory", description = "Apply this inventory file at start (idempotent).")
        Path inventory;

        @Option(names = "--demo", description = "Apply the bundled demo inventory (two simulated hypervisors).")
        boolean demo;

        @Option(names = "--tls-cert", description = "PEM certificate chain; with --tls-key, serve HTTPS.")
        Path tlsCert;

        @Option(names = "--tls-key", description = "PEM private key for --tls-cert.")
        Path tlsKey;

        @Override
        public Integer call() throws Exception {
            Map<String, String> flags = new HashMap<>();
            if (port != null) {
                flags.put("port", port.toString());
            }
            if (host != null) {
                flags.put("host", host);
            }
            if (tlsCert != null) {
                flags.put("tls.cert", tlsCert.toString());
            }
            if (tlsKey != null) {
                flags.put("tls.key", tlsKey.toString());
            }
            KilnConfig config = config(flags);
            org.slf4j.LoggerFactory.getLogger(Kiln.class).info("configuration: {}", config.describe());

            KilnServer server = KilnServer.create(config, Clock.systemUTC(), KilnServer::defaultDriver);
            if (demo) {
                try (InputStream in = Kiln.class.getResourceAsStream("/demo-inventory.yaml")) {
                    server.applyInventory(InventoryApplier.read(in, "demo inventory"));
                }
            }
            if (inventory != null) {
                server.applyInventory(readInventory(inventory));
            }
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                server.close();
                stopped.countDown();
            }, "kiln-shutdown"));
            server.start();
            stopped.await();
            return 0;
        }
    }

    @Command(name = "token", mixinStandardHelpOptions = true, description = "Manage API tokens.",
            subcommands = {TokenCommand.Create.class, TokenCommand.ListTokens.class, TokenCommand.Revoke.class})
    static final class TokenCommand {

        @Command(name = "list", mixinStandardHelpOptions = true, description = "List API tokens by name and creation time (never the tokens).")
        static final class ListTokens extends Common implements Callable<Integer> {

            @Override
            public Integer call() {
                try (Database database = KilnServer.openDatabase(config(Map.of()))) {
                    database.jdbi().useHandle(h -> h.createQuery("SELECT name, created FROM api_token ORDER BY id").mapToMap()
                            .forEach(row -> System.out.println(row.get("name") + "\t" + row.get("created"))));
                }
                return 0;
            }
        }

        @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke the API token with this name.")
        static final class Revoke extends Common implements Callable<Integer> {

            @Option(names = "--name", required = true, description = "Name the token was created with.")
            String name;

            @Override
            public Integer call() {
                try (Database database = KilnServer.openDatabase(config(Map.of()))) {
                    int removed = database.jdbi().withHandle(h -> h.createUpdate("DELETE FROM api_token WHERE name = :name")
                            .bind("name", name).execute());
                    if (removed == 0) {
                        throw new KilnException("no API token is named '" + name + "'; see kiln token list");
                    }
                    System.out.println("API token '" + name + "' revoked; running nodes stop accepting it within 10 s");
                }
                return 0;
            }
        }

        @Command(name = "create", mixinStandardHelpOptions = true, description = "Create an API token and print it (shown once; stored hashed).")
        static final class Create extends Common implements Callable<Integer> {

            @Option(names = "--name", required = true, description = "Label of the token, such as the billing system using it.")
            String name;

            @Override
            public Integer call() {
                String token = Tokens.generate();
                try (Database database = KilnServer.openDatabase(config(Map.of()))) {
                    database.jdbi().useTransaction(h -> {
                        boolean taken = h.createQuery("SELECT COUNT(*) FROM api_token WHERE name = :name").bind("name", name)
                                .mapTo(Long.class).one() > 0;
                        if (taken) {
                            throw new KilnException("an API token named '" + name + "' exists; revoke it first or pick another name");
                        }
                        h.createUpdate("INSERT INTO api_token (name, token_hash, created) VALUES (:name, :hash, CURRENT_TIMESTAMP)")
                                .bind("name", name).bind("hash", Tokens.sha256Hex(token)).execute();
                    });
                }
                System.out.println("API token '" + name + "' created; it is shown only once:");
                System.out.println(token);
                return 0;
            }
        }
    }

    @Command(name = "inventory", mixinStandardHelpOptions = true, description = "Manage the inventory.", subcommands = InventoryCommand.Apply.class)
    static final class InventoryCommand {

        @Command(name = "apply", mixinStandardHelpOptions = true, description = "Apply an inventory file to the configured database (idempotent).")
        static final class Apply extends Common implements Callable<Integer> {

            @Parameters(index = "0", description = "Inventory YAML file.")
            Path file;

            @Override
            public Integer call() throws IOException {
                Inventory inventory = readInventory(file);
                try (Database database = KilnServer.openDatabase(config(Map.of()))) {
                    System.out.println("applied: " + new InventoryApplier(database.jdbi(), Clock.systemUTC()).apply(inventory));
                }
                return 0;
            }
        }
    }

    @Command(name = "migrate", mixinStandardHelpOptions = true, description = "Create or upgrade the database schema, then exit.")
    static final class Migrate extends Common implements Callable<Integer> {

        @Override
        public Integer call() {
            try (Database ignored = KilnServer.openDatabase(config(Map.of()))) {
                System.out.println("database schema is up to date");
            }
            return 0;
        }
    }

    static Inventory readInventory(Path file) throws IOException {
        if (!Files.isReadable(file)) {
            throw new KilnException("inventory file " + file + " not found or not readable");
        }
        try (InputStream in = Files.newInputStream(file)) {
            return InventoryApplier.read(in, file.toString());
        }
    }
}
