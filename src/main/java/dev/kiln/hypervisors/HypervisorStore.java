package dev.kiln.hypervisors;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** Reads hypervisors and groups, and sums what the servers on each hypervisor use. */
public final class HypervisorStore {

    private final Jdbi jdbi;

    public HypervisorStore(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    public List<HypervisorGroup> groups() {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM hypervisor_group ORDER BY id").map((rs, ctx) -> mapGroup(rs)).list());
    }

    public Optional<HypervisorGroup> findGroup(long id) {
        return jdbi.withHandle(h -> findGroup(h, id));
    }

    public Optional<HypervisorGroup> findGroup(Handle h, long id) {
        return h.createQuery("SELECT * FROM hypervisor_group WHERE id = :id").bind("id", id).map((rs, ctx) -> mapGroup(rs)).findOne();
    }

    public List<Hypervisor> hypervisors() {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM hypervisor ORDER BY id").map((rs, ctx) -> mapHypervisor(rs)).list());
    }

    public Optional<Hypervisor> find(long id) {
        return jdbi.withHandle(h -> find(h, id));
    }

    public Optional<Hypervisor> find(Handle h, long id) {
        return h.createQuery("SELECT * FROM hypervisor WHERE id = :id").bind("id", id).map((rs, ctx) -> mapHypervisor(rs)).findOne();
    }

    /** Enabled hypervisors of a group that are not in maintenance, in id order. */
    public List<Hypervisor> placeable(Handle h, long groupId) {
        return h.createQuery("SELECT * FROM hypervisor WHERE group_id = :group AND enabled AND NOT maintenance ORDER BY id")
                .bind("group", groupId).map((rs, ctx) -> mapHypervisor(rs)).list();
    }

    /** Sums the resources of the servers on each hypervisor (servers being deleted included). */
    public Map<Long, Allocation> allocations(Handle h) {
        Map<Long, Allocation> out = new HashMap<>();
        h.createQuery("SELECT hypervisor_id, COUNT(*) AS servers, SUM(memory_mb) AS memory, SUM(cpu_cores) AS cpu, "
                        + "SUM(storage_gb) AS storage FROM server GROUP BY hypervisor_id")
                .map((rs, ctx) -> Map.entry(rs.getLong("hypervisor_id"),
                        new Allocation(rs.getInt("servers"), rs.getLong("memory"), rs.getLong("cpu"), rs.getLong("storage"))))
                .forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    public Allocation allocation(Handle h, long hypervisorId) {
        return h.createQuery("SELECT COUNT(*) AS servers, COALESCE(SUM(memory_mb), 0) AS memory, COALESCE(SUM(cpu_cores), 0) AS cpu, "
                        + "COALESCE(SUM(storage_gb), 0) AS storage FROM server WHERE hypervisor_id = :id")
                .bind("id", hypervisorId)
                .map((rs, ctx) -> new Allocation(rs.getInt("servers"), rs.getLong("memory"), rs.getLong("cpu"), rs.getLong("storage")))
                .one();
    }

    public Map<Long, Allocation> allocations() {
        return jdbi.withHandle(this::allocations);
    }

    static HypervisorGroup mapGroup(ResultSet rs) throws SQLException {
        return new HypervisorGroup(rs.getLong("id"), rs.getString("name"), rs.getString("description"),
                rs.getInt("distribution_type"), rs.getBoolean("enabled"), rs.getBoolean("is_default"),
                rs.getObject("created", OffsetDateTime.class), rs.getObject("updated", OffsetDateTime.class));
    }

    static Hypervisor mapHypervisor(ResultSet rs) throws SQLException {
        HypervisorConnection connection = new HypervisorConnection(rs.getString("name"), rs.getString("driver"), rs.getString("uri"),
                rs.getString("storage_pool"), rs.getString("domain_type"), rs.getString("bridge"),
                rs.getBoolean("full_copy_disks"), rs.getString("console_log_dir"));
        return new Hypervisor(rs.getLong("id"), rs.getString("name"), rs.getLong("group_id"), rs.getString("ip"), connection,
                rs.getString("data_dir"), rs.getInt("max_memory_mb"), rs.getInt("max_cpu_cores"), rs.getInt("max_storage_gb"),
                rs.getInt("max_servers"), rs.getInt("max_concurrent_builds"), rs.getInt("simulator_delay_ms"),
                rs.getBoolean("enabled"), rs.getBoolean("maintenance"),
                rs.getObject("created", OffsetDateTime.class), rs.getObject("updated", OffsetDateTime.class));
    }
}
