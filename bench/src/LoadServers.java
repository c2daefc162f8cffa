import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Adds servers straight into Kiln's database with JDBC batches until the {@code server} table
 * has {@code TOTAL} rows. Each new server gets its primary disk row, as {@code POST /servers}
 * creates one. The owner is the user with the lowest id, the package the one with the lowest id,
 * and the hypervisors of the inventory take turns. No IP addresses are assigned. Each commit
 * also adds its servers to the {@code hypervisor_usage} rows, as Kiln's own creates do, so the
 * server list's total and the hypervisors' allocations count them.
 *
 * <p>Usage: {@code java -cp kiln.jar LoadServers.java JDBC_URL USER PASSWORD TOTAL}. Kiln must
 * not hold the database: H2's file database admits one process at a time.
 */
public final class LoadServers {

    private static final int BATCH = 1_000;
    private static final int COMMIT_EVERY = 20_000;

    public static void main(String[] args) throws SQLException {
        if (args.length != 4) {
            System.err.println("usage: LoadServers JDBC_URL USER PASSWORD TOTAL");
            System.exit(2);
        }
        long total = Long.parseLong(args[3]);
        long started = System.nanoTime();
        try (Connection c = DriverManager.getConnection(args[0], args[1], args[2])) {
            long existing = single(c, "SELECT COUNT(*) FROM server");
            if (existing >= total) {
                System.out.println("server table already has " + existing + " rows; nothing to add");
                System.out.println("added=0 total=" + existing + " first_id=0 last_id=0 seconds=0");
                return;
            }
            long owner = single(c, "SELECT MIN(id) FROM kiln_user");
            if (owner == 0) {
                throw new IllegalStateException("kiln_user is empty: create a user through the API first");
            }
            long packageId = single(c, "SELECT MIN(id) FROM package");
            List<Long> hypervisors = ids(c, "SELECT id FROM hypervisor ORDER BY id");
            Resources r = resources(c, packageId);

            long maxBefore = single(c, "SELECT COALESCE(MAX(id), 0) FROM server");
            c.setAutoCommit(false);
            long added = insert(c, existing, total, owner, packageId, hypervisors, r);
            c.commit();
            long firstId = single(c, "SELECT MIN(id) FROM server WHERE id > " + maxBefore);
            long lastId = single(c, "SELECT MAX(id) FROM server");
            double seconds = (System.nanoTime() - started) / 1e9;
            // bench/run.sh reads this last line.
            System.out.printf(java.util.Locale.ROOT, "added=%d total=%d first_id=%d last_id=%d seconds=%.1f%n",
                    added, total, firstId, lastId, seconds);
        }
    }

    private static long insert(Connection c, long existing, long total, long owner, long packageId, List<Long> hypervisors,
            Resources r) throws SQLException {
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        String serverSql = "INSERT INTO server (uuid, owner_id, hypervisor_id, package_id, name, commission_status, state, "
                + "memory_mb, cpu_cores, storage_gb, traffic_gb, network_speed_in, network_speed_out, vnc_port, mac, created, updated) "
                + "VALUES (?, ?, ?, ?, ?, 0, 'allocated', ?, ?, ?, ?, ?, ?, 5900, ?, ?, ?)";
        // Kiln is stopped, so every server above the chunk's starting id is one this program added.
        String diskSql = "INSERT INTO server_disk (server_id, drive, capacity_gb, created, updated) "
                + "SELECT s.id, 'a', s.storage_gb, s.created, s.updated FROM server s WHERE s.id > ?";
        String usageSql = "UPDATE hypervisor_usage SET servers = servers + ?, memory_mb = memory_mb + ?, "
                + "cpu_cores = cpu_cores + ?, storage_gb = storage_gb + ? WHERE hypervisor_id = ?";
        long added = 0;
        // Servers added per hypervisor since the last commit, by index into hypervisors.
        long[] pending = new long[hypervisors.size()];
        try (PreparedStatement servers = c.prepareStatement(serverSql);
                PreparedStatement disks = c.prepareStatement(diskSql);
                PreparedStatement usage = c.prepareStatement(usageSql)) {
            long chunkStartId = single(c, "SELECT COALESCE(MAX(id), 0) FROM server");
            for (long n = existing + 1; n <= total; n++) {
                servers.setString(1, UUID.randomUUID().toString());
                servers.setLong(2, owner);
                int hypervisor = (int) (n % hypervisors.size());
                servers.setLong(3, hypervisors.get(hypervisor));
                pending[hypervisor]++;
                servers.setLong(4, packageId);
                servers.setString(5, "bench-" + n);
                servers.setInt(6, r.memoryMb());
                servers.setInt(7, r.cpuCores());
                servers.setInt(8, r.storageGb());
                servers.setInt(9, r.trafficGb());
                servers.setInt(10, r.speedIn());
                servers.setInt(11, r.speedOut());
                // Kiln's random MAC addresses start with 02; these start with 06 and count up.
                servers.setString(12, mac(n));
                servers.setObject(13, now);
                servers.setObject(14, now);
                servers.addBatch();
                added++;
                if (added % BATCH == 0 || n == total) {
                    servers.executeBatch();
                }
                if (added % COMMIT_EVERY == 0 || n == total) {
                    disks.setLong(1, chunkStartId);
                    disks.executeUpdate();
                    addUsage(usage, hypervisors, pending, r);
                    c.commit();
                    chunkStartId = single(c, "SELECT COALESCE(MAX(id), 0) FROM server");
                    System.out.println("  " + (existing + added) + " servers");
                }
            }
        }
        return added;
    }

    /** Adds the servers counted in {@code pending} to their hypervisors' usage rows and clears the counts. */
    private static void addUsage(PreparedStatement usage, List<Long> hypervisors, long[] pending, Resources r) throws SQLException {
        for (int i = 0; i < pending.length; i++) {
            if (pending[i] == 0) {
                continue;
            }
            usage.setLong(1, pending[i]);
            usage.setLong(2, pending[i] * r.memoryMb());
            usage.setLong(3, pending[i] * r.cpuCores());
            usage.setLong(4, pending[i] * r.storageGb());
            usage.setLong(5, hypervisors.get(i));
            usage.addBatch();
            pending[i] = 0;
        }
        for (int updated : usage.executeBatch()) {
            if (updated == 0) {
                throw new IllegalStateException("a hypervisor has no hypervisor_usage row; start Kiln once so that it migrates the database");
            }
        }
    }

    private static String mac(long n) {
        return String.format("06:%02x:%02x:%02x:%02x:%02x", (n >> 32) & 0xFF, (n >> 24) & 0xFF, (n >> 16) & 0xFF,
                (n >> 8) & 0xFF, n & 0xFF);
    }

    private static long single(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static List<Long> ids(Connection c, String sql) throws SQLException {
        List<Long> out = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getLong(1));
            }
        }
        if (out.isEmpty()) {
            throw new IllegalStateException("no rows for: " + sql);
        }
        return out;
    }

    private static Resources resources(Connection c, long packageId) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT memory_mb, cpu_cores, primary_storage_gb, traffic_gb, "
                + "network_speed_in, network_speed_out FROM package WHERE id = ?")) {
            s.setLong(1, packageId);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return new Resources(rs.getInt(1), rs.getInt(2), rs.getInt(3), rs.getInt(4), rs.getInt(5), rs.getInt(6));
            }
        }
    }

    private record Resources(int memoryMb, int cpuCores, int storageGb, int trafficGb, int speedIn, int speedOut) {
    }
}
