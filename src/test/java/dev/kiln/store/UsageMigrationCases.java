package dev.kiln.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.testing.TestDatabases;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

/**
 * Migration V4 on a database that already has servers: it must give every hypervisor a
 * {@code hypervisor_usage} row equal to the sums of its servers, and a zero row to a hypervisor
 * without servers.
 */
abstract class UsageMigrationCases {

    private static final OffsetDateTime NOW = OffsetDateTime.of(2026, 1, 2, 3, 4, 5, 0, ZoneOffset.UTC);

    abstract TestDatabases.Credentials emptyDatabase();

    @Test
    void backfillSumsExistingServers() {
        TestDatabases.Credentials db = emptyDatabase();
        migrate(db, "3.1");
        Jdbi jdbi = Jdbi.create(db.url(), db.user(), db.password());
        jdbi.useHandle(this::insertServers);

        migrate(db, null);

        Map<Long, List<Long>> usage = jdbi.withHandle(h -> {
            Map<Long, List<Long>> out = new TreeMap<>();
            h.createQuery("SELECT h.name, u.servers, u.memory_mb, u.cpu_cores, u.storage_gb FROM hypervisor_usage u "
                            + "JOIN hypervisor h ON h.id = u.hypervisor_id")
                    .map((rs, ctx) -> Map.entry(Long.parseLong(rs.getString(1).substring(3)),
                            List.of(rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5))))
                    .forEach(row -> out.put(row.getKey(), row.getValue()));
            return out;
        });
        assertThat(usage).containsExactly(
                Map.entry(1L, List.of(2L, 3072L, 3L, 100L)),
                Map.entry(2L, List.of(1L, 512L, 1L, 10L)),
                Map.entry(3L, List.of(0L, 0L, 0L, 0L)));
    }

    private static void migrate(TestDatabases.Credentials db, String target) {
        var configuration = Flyway.configure().dataSource(db.url(), db.user(), db.password()).locations("classpath:db/migration");
        if (target != null) {
            configuration.target(target);
        }
        configuration.load().migrate();
    }

    /** Hypervisors hv-1 (two servers), hv-2 (one) and hv-3 (none), in the schema before V4. */
    private void insertServers(Handle h) {
        h.createUpdate("INSERT INTO hypervisor_group (name, created, updated) VALUES ('g', :now, :now)").bind("now", NOW).execute();
        for (int i = 1; i <= 3; i++) {
            h.createUpdate("INSERT INTO hypervisor (name, group_id, driver, max_memory_mb, max_cpu_cores, max_storage_gb, created, "
                            + "updated) SELECT :name, id, 'simulator', 65536, 64, 4000, :now, :now FROM hypervisor_group")
                    .bind("name", "hv-" + i).bind("now", NOW).execute();
        }
        h.createUpdate("INSERT INTO package (name, memory_mb, cpu_cores, primary_storage_gb, created, updated) "
                + "VALUES ('p', 1024, 1, 20, :now, :now)").bind("now", NOW).execute();
        h.createUpdate("INSERT INTO kiln_user (name, email, password_hash, created, updated) "
                + "VALUES ('u', 'u@example.com', 'x', :now, :now)").bind("now", NOW).execute();
        insertServer(h, 1, "hv-1", 1024, 1, 40);
        insertServer(h, 2, "hv-1", 2048, 2, 60);
        insertServer(h, 3, "hv-2", 512, 1, 10);
    }

    private static void insertServer(Handle h, int n, String hypervisor, int memoryMb, int cpuCores, int storageGb) {
        h.createUpdate("INSERT INTO server (uuid, owner_id, hypervisor_id, package_id, state, memory_mb, cpu_cores, storage_gb, "
                        + "traffic_gb, network_speed_in, network_speed_out, vnc_port, mac, created, updated) "
                        + "SELECT :uuid, (SELECT MIN(id) FROM kiln_user), h.id, (SELECT MIN(id) FROM package), 'allocated', "
                        + ":memory, :cpu, :storage, 0, 0, 0, 5900, :mac, :now, :now FROM hypervisor h WHERE h.name = :hypervisor")
                .bind("uuid", "00000000-0000-0000-0000-00000000000" + n).bind("hypervisor", hypervisor).bind("memory", memoryMb)
                .bind("cpu", cpuCores).bind("storage", storageGb).bind("mac", "06:00:00:00:00:0" + n).bind("now", NOW).execute();
    }
}
