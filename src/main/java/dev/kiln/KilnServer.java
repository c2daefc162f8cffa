package dev.kiln;

import dev.kiln.build.BuildPipeline;
import dev.kiln.build.BuildRoutes;
import dev.kiln.build.BuildService;
import dev.kiln.build.ReadyMail;
import dev.kiln.catalog.CatalogRoutes;
import dev.kiln.catalog.CatalogStore;
import dev.kiln.config.KilnConfig;
import dev.kiln.http.HttpApi;
import dev.kiln.http.MonitoringRoutes;
import dev.kiln.http.Tls;
import dev.kiln.http.TokenCheck;
import dev.kiln.hypervisors.Drivers;
import dev.kiln.hypervisors.Hypervisor;
import dev.kiln.hypervisors.HypervisorDriver;
import dev.kiln.hypervisors.HypervisorRoutes;
import dev.kiln.hypervisors.HypervisorStore;
import dev.kiln.hypervisors.simulator.SimulatorDriver;
import dev.kiln.hypervisors.simulator.SimulatorRoutes;
import dev.kiln.inventory.InventoryApplier;
import dev.kiln.inventory.InventoryRoutes;
import dev.kiln.network.NetworkRoutes;
import dev.kiln.network.NetworkStore;
import dev.kiln.queue.Actions;
import dev.kiln.queue.QueueHandler;
import dev.kiln.queue.QueueRoutes;
import dev.kiln.queue.QueueStore;
import dev.kiln.queue.Workers;
import dev.kiln.security.SecretBox;
import dev.kiln.security.Tokens;
import dev.kiln.servers.AddressRoutes;
import dev.kiln.servers.Deletion;
import dev.kiln.servers.ModifyRoutes;
import dev.kiln.servers.PasswordReset;
import dev.kiln.servers.PowerActions;
import dev.kiln.servers.ServerListRoutes;
import dev.kiln.servers.ServerRoutes;
import dev.kiln.servers.ServerService;
import dev.kiln.servers.ServerStore;
import dev.kiln.servers.ServerView;
import dev.kiln.servers.SettingsRoutes;
import dev.kiln.servers.Suspension;
import dev.kiln.store.Database;
import dev.kiln.store.StatementCounter;
import dev.kiln.users.LoginTokens;
import dev.kiln.users.UserChangeRoutes;
import dev.kiln.users.UserRoutes;
import dev.kiln.users.UserStore;
import io.javalin.Javalin;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A running Kiln node: database, HTTP API and queue workers, wired by hand. */
public final class KilnServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KilnServer.class);
    static final String ADMIN_TOKEN_NAME = "admin (KILN_ADMIN_TOKEN)";

    private final KilnConfig config;
    private final Database database;
    private final Drivers drivers;
    private final Workers workers;
    private final Javalin app;
    private final PrometheusMeterRegistry metrics;
    private ServerConnector connector;

    private KilnServer(KilnConfig config, Database database, Clock clock, Function<Hypervisor, HypervisorDriver> driverFactory) {
        this.config = config;
        this.database = database;
        var jdbi = database.jdbi();
        this.metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(metrics);
        new JvmThreadMetrics().bindTo(metrics);
        new ProcessorMetrics().bindTo(metrics);
        jdbi.setSqlLogger(new StatementCounter(metrics));
        SecretBox secrets = SecretBox.fromKeyFile(config.dataDir().resolve("secret.key"));

        var catalog = new CatalogStore(jdbi);
        var hypervisors = new HypervisorStore(jdbi);
        var users = new UserStore();
        var network = new NetworkStore();
        var queue = new QueueStore(database.dialect());
        var servers = new ServerStore();
        var serverService = new ServerService(jdbi, database.dialect(), servers, users, hypervisors, catalog, network,
                secrets, clock);
        var view = new ServerView(clock);
        this.drivers = new Drivers(driverFactory);

        Map<String, QueueHandler> handlers = new HashMap<>();
        var pipeline = new BuildPipeline(jdbi, serverService, catalog, drivers, secrets, new ReadyMail(config.smtp()), clock);
        handlers.put(Actions.BUILD, pipeline);
        Workers[] workersRef = new Workers[1];
        Runnable wake = () -> workersRef[0].signal();
        var power = new PowerActions(jdbi, servers, serverService, queue, drivers, clock, wake);
        handlers.putAll(power.handlers());
        var deletion = new Deletion(jdbi, servers, queue, serverService, network, drivers, clock, wake);
        handlers.put(Actions.DELETE, deletion);
        var suspension = new Suspension(jdbi, servers, queue, serverService, drivers, clock, wake);
        handlers.put(Actions.SUSPEND, suspension);
        var passwordReset = new PasswordReset(jdbi, servers, queue, serverService, drivers, secrets, clock, wake);
        handlers.put(Actions.RESET_PASSWORD, passwordReset);
        var userRoutes = new UserRoutes(jdbi, users, clock);
        this.workers = new Workers(jdbi, queue, handlers, clock, config.lease(), config.nodeName(), config.workers(), metrics);
        workersRef[0] = workers;

        var builds = new BuildService(jdbi, servers, serverService, users, catalog, hypervisors, network, queue, secrets, clock);
        this.app = HttpApi.create(new TokenCheck(jdbi, clock), this::addConnector, List.of(
                new MonitoringRoutes(jdbi, metrics),
                new ServerRoutes(serverService, view, catalog, drivers),
                new ServerListRoutes(jdbi, serverService, view),
                new BuildRoutes(builds, view, wake),
                power,
                deletion,
                suspension,
                passwordReset,
                new ModifyRoutes(jdbi, servers, queue, hypervisors, catalog, clock),
                new AddressRoutes(jdbi, servers, hypervisors, network, clock),
                new SettingsRoutes(jdbi, servers, hypervisors, secrets, clock),
                new NetworkRoutes(jdbi),
                new UserChangeRoutes(jdbi, users, userRoutes, clock),
                new LoginTokens(jdbi, userRoutes, clock),
                new QueueRoutes(jdbi, queue),
                new CatalogRoutes(catalog),
                new HypervisorRoutes(hypervisors),
                userRoutes,
                new SimulatorRoutes(hypervisors, drivers),
                new InventoryRoutes(jdbi, new InventoryApplier(jdbi, clock))));
    }

    /** Opens the database (migrating it) and wires a node; call {@link #start()} to serve. */
    public static KilnServer create(KilnConfig config, Clock clock, Function<Hypervisor, HypervisorDriver> driverFactory) {
        Database database = openDatabase(config);
        try {
            return new KilnServer(config, database, clock, driverFactory);
        } catch (RuntimeException e) {
            database.close();
            throw e;
        }
    }

    public static Database openDatabase(KilnConfig config) {
        return Database.open(config.dbUrl(), config.dbUser(), config.dbPassword(), config.dataDir(), config.dbPoolSize());
    }

    /** Creates the driver for a hypervisor record: the simulator, or the libvirt driver for real hosts. */
    public static HypervisorDriver defaultDriver(Hypervisor hypervisor) {
        return switch (hypervisor.connection().driver()) {
            case "simulator" -> new SimulatorDriver(hypervisor.name(), hypervisor.maxMemoryMb(),
                    Duration.ofMillis(hypervisor.simulatorDelayMs()));
            case "libvirt" -> new dev.kiln.hypervisors.libvirt.LibvirtDriver(hypervisor.connection());
            default -> throw new KilnException("hypervisor " + hypervisor.name() + " has unknown driver '"
                    + hypervisor.connection().driver() + "'");
        };
    }

    public KilnServer start() {
        if (config.adminToken() != null) {
            replaceToken(ADMIN_TOKEN_NAME, config.adminToken());
        }
        app.start();
        workers.start();
        String scheme = config.tlsCert() == null ? "http" : "https";
        LOG.info("Kiln ready on {}://{}:{}", scheme, displayHost(), port());
        return this;
    }

    /** Applies an inventory file (idempotent). */
    public String applyInventory(dev.kiln.inventory.Inventory inventory) {
        return new InventoryApplier(database.jdbi(), Clock.systemUTC()).apply(inventory);
    }

    /**
     * Makes {@code token} the only token named {@code name}: a changed {@code KILN_ADMIN_TOKEN}
     * revokes the previous one at the next start.
     */
    public void replaceToken(String name, String token) {
        String hash = Tokens.sha256Hex(token);
        database.jdbi().useTransaction(h -> {
            h.createUpdate("DELETE FROM api_token WHERE name = :name AND token_hash <> :hash").bind("name", name).bind("hash", hash)
                    .execute();
            h.createUpdate("INSERT INTO api_token (name, token_hash, created) SELECT :name, :hash, CURRENT_TIMESTAMP "
                            + "WHERE NOT EXISTS (SELECT 1 FROM api_token WHERE token_hash = :hash)")
                    .bind("name", name).bind("hash", hash).execute();
        });
    }

    /** Stores a token's hash unless an identical token exists. */
    public void ensureToken(String name, String token) {
        String hash = Tokens.sha256Hex(token);
        database.jdbi().useHandle(h -> h.createUpdate("INSERT INTO api_token (name, token_hash, created) "
                        + "SELECT :name, :hash, CURRENT_TIMESTAMP WHERE NOT EXISTS (SELECT 1 FROM api_token WHERE token_hash = :hash)")
                .bind("name", name).bind("hash", hash).execute());
    }

    public int port() {
        return connector.getLocalPort();
    }

    public Database database() {
        return database;
    }

    public Drivers drivers() {
        return drivers;
    }

    public Workers workers() {
        return workers;
    }

    private String displayHost() {
        return "0.0.0.0".equals(config.host()) ? "localhost" : config.host();
    }

    private void addConnector(Server server) {
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        if (config.tlsCert() == null) {
            connector = new ServerConnector(server, new HttpConnectionFactory(http));
        } else {
            SslContextFactory.Server ssl = new SslContextFactory.Server();
            ssl.setKeyStore(Tls.keyStore(config.tlsCert(), config.tlsKey()));
            ssl.setKeyStorePassword(Tls.KEY_STORE_PASSWORD);
            SecureRequestCustomizer secure = new SecureRequestCustomizer();
            // Clients reach Kiln by IP address as often as by name; do not reject them for the SNI mismatch.
            secure.setSniHostCheck(false);
            http.addCustomizer(secure);
            connector = new ServerConnector(server, ssl, new HttpConnectionFactory(http));
        }
        connector.setHost(config.host());
        connector.setPort(config.port());
        connector.setIdleTimeout(Duration.ofSeconds(60).toMillis());
        server.addConnector(connector);
    }

    @Override
    public void close() {
        workers.close();
        app.stop();
        drivers.close();
        database.close();
        metrics.close();
        LOG.info("Kiln stopped");
    }
}
