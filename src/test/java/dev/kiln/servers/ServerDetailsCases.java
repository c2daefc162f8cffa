package dev.kiln.servers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.catalog.CatalogStore;
import dev.kiln.hypervisors.Allocation;
import dev.kiln.hypervisors.Hypervisor;
import dev.kiln.hypervisors.HypervisorStore;
import dev.kiln.network.NetworkStore;
import dev.kiln.queue.QueueStore;
import dev.kiln.store.Database;
import dev.kiln.store.Dialect;
import dev.kiln.testing.DatabaseKind;
import dev.kiln.testing.Fixtures;
import dev.kiln.testing.TestKiln;
import dev.kiln.users.UserStore;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import org.awaitility.Awaitility;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@link ServerDetailsLoader} against a reference that loads the same record one table at a
 * time, as the server view did before the joined query: both must return equal records for a
 * built server (template, SSH keys, IPv4, IPv6, queue activity), a server never built and a
 * server whose template row is gone.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ServerDetailsCases {

    private TestKiln kiln;
    private Jdbi jdbi;
    private long built;
    private long fresh;
    private long orphaned;

    abstract DatabaseKind database();

    @BeforeAll
    void startNode() {
        kiln = TestKiln.start(database());
        jdbi = kiln.server().database().jdbi();
        Fixtures f = new Fixtures(kiln.api());
        long user = f.user(41);
        long keyA = f.sshKey(user, Fixtures.ED25519_A);
        long keyB = f.sshKey(user, Fixtures.ED25519_B);

        built = f.server(user, 1);
        f.build(built, "{\"operatingSystemId\":1,\"sshKeys\":[" + keyB + "," + keyA + "],\"ipv6\":true}");
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() ->
                kiln.api().get("/api/v1/servers/" + built).data().path("commissionStatus").asInt() == Server.BUILT);

        fresh = f.server(user, 2);
        orphaned = f.server(user, 1);
        jdbi.useHandle(h -> h.createUpdate("UPDATE server SET os_template_id = 9999 WHERE id = :id").bind("id", orphaned).execute());
    }

    @AfterAll
    void stopNode() {
        kiln.close();
    }

    @Test
    void builtServerMatchesReference() {
        ServerDetails details = load(built);

        assertThat(details).isEqualTo(reference(built));
        assertThat(details.template()).isNotNull();
        assertThat(details.sshKeys()).hasSize(2);
        assertThat(details.ipv4()).isNotEmpty();
        assertThat(details.ipv6()).hasSize(1);
        assertThat(details.lastTaskOn()).isNotNull();
    }

    @Test
    void freshServerMatchesReference() {
        ServerDetails details = load(fresh);

        assertThat(details).isEqualTo(reference(fresh));
        assertThat(details.template()).isNull();
        assertThat(details.sshKeys()).isEmpty();
        assertThat(details.lastTaskOn()).isNull();
    }

    @Test
    void missingTemplateRowLoadsAsNull() {
        ServerDetails details = load(orphaned);

        assertThat(details).isEqualTo(reference(orphaned));
        assertThat(details.template()).isNull();
    }

    @Test
    void allocationSumsServersOfHypervisor() {
        ServerDetails details = load(built);
        long hypervisor = details.hypervisor().id();
        Allocation summed = jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) AS servers, SUM(memory_mb) AS memory, "
                        + "SUM(cpu_cores) AS cpu, SUM(storage_gb) AS storage FROM server WHERE hypervisor_id = :id")
                .bind("id", hypervisor)
                .map((rs, ctx) -> new Allocation(rs.getInt("servers"), rs.getLong("memory"), rs.getLong("cpu"), rs.getLong("storage")))
                .one());

        assertThat(details.hypervisorAllocation()).isEqualTo(summed);
    }

    @Test
    void unknownServerIsNotFound() {
        assertThat(kiln.api().get("/api/v1/servers/987654").status()).isEqualTo(404);
    }

    /**
     * Loads through both ways the loader reads the child rows (one UNION ALL, or a query each),
     * whichever database runs, and checks that they agree.
     */
    private ServerDetails load(long id) {
        ServerDetails union = jdbi.inTransaction(h -> new ServerDetailsLoader(Dialect.POSTGRESQL, new UserStore(), new NetworkStore())
                .load(h, id));
        ServerDetails separate = jdbi.inTransaction(h -> new ServerDetailsLoader(Dialect.H2, new UserStore(), new NetworkStore())
                .load(h, id));

        assertThat(separate).isEqualTo(union);
        return union;
    }

    /** Loads the record with one statement per table, through the stores' own finders. */
    private ServerDetails reference(long id) {
        Database database = kiln.server().database();
        var servers = new ServerStore();
        var users = new UserStore();
        var hypervisors = new HypervisorStore(jdbi);
        var catalog = new CatalogStore(jdbi);
        var network = new NetworkStore();
        var queue = new QueueStore(database.dialect());
        return jdbi.inTransaction((Handle h) -> {
            Server server = servers.find(h, id).orElseThrow();
            Hypervisor hypervisor = hypervisors.find(h, server.hypervisorId()).orElseThrow();
            List<Disk> disks = h.createQuery("SELECT * FROM server_disk WHERE server_id = :id ORDER BY drive").bind("id", id)
                    .map((rs, ctx) -> new Disk(rs.getLong("id"), rs.getLong("server_id"), rs.getString("drive"),
                            rs.getInt("capacity_gb"), rs.getString("disk_type"), rs.getInt("status"),
                            rs.getObject("created", OffsetDateTime.class), rs.getObject("updated", OffsetDateTime.class)))
                    .list();
            var template = server.osTemplateId() == null ? null : catalog.findTemplate(h, server.osTemplateId()).orElse(null);
            return new ServerDetails(server, users.find(h, server.ownerId()).orElseThrow(), hypervisor,
                    hypervisors.findGroup(h, hypervisor.groupId()).orElseThrow(), hypervisors.allocation(h, hypervisor.id()),
                    network.ipv4OfServer(h, id), network.ipv6OfServer(h, id), disks, template,
                    users.keys(h, servers.sshKeyIds(h, id)), queue.lastActivity(h, id).orElse(null));
        });
    }
}
