package dev.kiln.hypervisors;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * Rows of {@code hypervisor_usage}: per hypervisor, the number of servers and the sums of their
 * memory, CPU cores and storage, so that nothing has to sum the {@code server} table.
 *
 * <p>The rows stay equal to a {@code GROUP BY hypervisor_id} over {@code server} because every
 * transaction that inserts or deletes a server, or changes its memory, cores or storage, locks
 * the usage row of the server's hypervisor first, reads the server after taking that lock, and
 * adds its change with {@link #add} before it commits. Transactions lock at most one usage row,
 * except placement, which locks the rows of one group in hypervisor id order, so the locks cannot
 * deadlock each other. A server never moves to another hypervisor, so its usage row never changes.
 */
public final class HypervisorUsage {

    private static final String COLUMNS = "hypervisor_id, servers, memory_mb, cpu_cores, storage_gb";

    private HypervisorUsage() {
    }

    /** Reads every hypervisor's usage, keyed by hypervisor id. */
    public static Map<Long, Allocation> all(Handle h) {
        Map<Long, Allocation> out = new HashMap<>();
        h.createQuery("SELECT " + COLUMNS + " FROM hypervisor_usage")
                .map((rs, ctx) -> Map.entry(rs.getLong("hypervisor_id"), map(rs)))
                .forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    /** Reads one hypervisor's usage, or returns {@link Allocation#NONE} when it has no row. */
    public static Allocation of(Handle h, long hypervisorId) {
        return h.createQuery("SELECT " + COLUMNS + " FROM hypervisor_usage WHERE hypervisor_id = :id")
                .bind("id", hypervisorId).map((rs, ctx) -> map(rs)).findOne().orElse(Allocation.NONE);
    }

    /**
     * Locks the usage rows of a group's enabled hypervisors that are not in maintenance, in id
     * order, and returns them in that order. Placement holds these locks until it commits.
     */
    public static Map<Long, Allocation> lockPlaceable(Handle h, long groupId) {
        Map<Long, Allocation> out = new LinkedHashMap<>();
        h.createQuery("SELECT " + COLUMNS + " FROM hypervisor_usage WHERE hypervisor_id IN "
                        + "(SELECT id FROM hypervisor WHERE group_id = :group AND enabled AND NOT maintenance) "
                        + "ORDER BY hypervisor_id FOR UPDATE")
                .bind("group", groupId)
                .map((rs, ctx) -> Map.entry(rs.getLong("hypervisor_id"), map(rs)))
                .forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    /**
     * Locks the usage row of a server's hypervisor and returns it. Empty when the server does not
     * exist. Read the server after this call, so that its resources are the ones the row counts.
     */
    public static Optional<Allocation> lockOfServer(Handle h, long serverId) {
        return h.createQuery("SELECT " + COLUMNS + " FROM hypervisor_usage "
                        + "WHERE hypervisor_id = (SELECT hypervisor_id FROM server WHERE id = :id) FOR UPDATE")
                .bind("id", serverId).map((rs, ctx) -> map(rs)).findOne();
    }

    /**
     * Adds a change to a hypervisor's usage row: servers added (negative when removed) and the
     * change of each resource sum. The caller has locked the row in this transaction.
     *
     * @throws IllegalStateException when the hypervisor has no usage row
     */
    public static void add(Handle h, long hypervisorId, int servers, long memoryMb, long cpuCores, long storageGb) {
        int updated = h.createUpdate("UPDATE hypervisor_usage SET servers = servers + :servers, memory_mb = memory_mb + :memory, "
                        + "cpu_cores = cpu_cores + :cpu, storage_gb = storage_gb + :storage WHERE hypervisor_id = :id")
                .bind("servers", servers).bind("memory", memoryMb).bind("cpu", cpuCores).bind("storage", storageGb)
                .bind("id", hypervisorId).execute();
        if (updated != 1) {
            throw new IllegalStateException("hypervisor " + hypervisorId + " has no hypervisor_usage row; every hypervisor "
                    + "gets one when it is inserted or by migration V4");
        }
    }

    /** Inserts the empty usage row of a hypervisor just inserted. */
    public static void insertEmpty(Handle h, long hypervisorId) {
        h.createUpdate("INSERT INTO hypervisor_usage (hypervisor_id, servers, memory_mb, cpu_cores, storage_gb) "
                + "VALUES (:id, 0, 0, 0, 0)").bind("id", hypervisorId).execute();
    }

    /**
     * Counts the servers on the given hypervisors, or on all hypervisors when the list is empty.
     * Equal to {@code SELECT COUNT(*) FROM server} with the same filter, from one row per hypervisor.
     */
    public static long serverCount(Handle h, List<Long> hypervisorIds) {
        if (hypervisorIds.isEmpty()) {
            return h.createQuery("SELECT COALESCE(SUM(servers), 0) FROM hypervisor_usage").mapTo(Long.class).one();
        }
        return h.createQuery("SELECT COALESCE(SUM(servers), 0) FROM hypervisor_usage WHERE hypervisor_id IN (<hypervisors>)")
                .bindList("hypervisors", hypervisorIds).mapTo(Long.class).one();
    }

    private static Allocation map(ResultSet rs) throws SQLException {
        return new Allocation(rs.getInt("servers"), rs.getLong("memory_mb"), rs.getLong("cpu_cores"), rs.getLong("storage_gb"));
    }
}
