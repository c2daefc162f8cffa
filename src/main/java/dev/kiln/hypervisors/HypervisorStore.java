package dev.kiln.hypervisors;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** Reads hypervisors and groups, and what the servers on each hypervisor use. */
public final class HypervisorStore {

    /** The {@code hypervisor_group} columns that {@link #mapGroup(ResultSet, String)} reads. */
    public static final List<String> GROUP_COLUMNS = List.of("id", "name", "description", "distribution_type", "enabled",
            "is_default", "created", "updated");

    /** The {@code hypervisor} columns that {@link #mapHypervisor(ResultSet, String)} reads. */
    public static final List<String> HYPERVISOR_COLUMNS = List.of("id", "name", "group_id", "driver", "uri", "ip", "storage_pool",
            "domain_type", "bridge", "full_copy_disks", "console_log_dir", "data_dir", "max_memory_mb", "max_cpu_cores",
            "max_storage_gb", "max_servers", "max_concurrent_builds", "simulator_delay_ms", "enabled", "maintenance", "created",
            "updated");

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

    /** Reads what the servers on each hypervisor use (servers being deleted included), from {@link HypervisorUsage}. */
    public Map<Long, Allocation> allocations(Handle h) {
        return HypervisorUsage.all(h);
    }

    public Allocation allocation(Handle h, long hypervisorId) {
        return HypervisorUsage.of(h, hypervisorId);
    }

    public Map<Long, Allocation> allocations() {
        return jdbi.withHandle(this::allocations);
    }

    public Allocation allocation(long hypervisorId) {
        return jdbi.withHandle(h -> allocation(h, hypervisorId));
    }

    static HypervisorGroup mapGroup(ResultSet rs) throws SQLException {
        return mapGroup(rs, "");
    }

    /** Maps a group whose column labels start with {@code prefix} (see {@link #GROUP_COLUMNS}). */
    public static HypervisorGroup mapGroup(ResultSet rs, String prefix) throws SQLException {
        return new HypervisorGroup(rs.getLong(prefix + "id"), rs.getString(prefix + "name"), rs.getString(prefix + "description"),
                rs.getInt(prefix + "distribution_type"), rs.getBoolean(prefix + "enabled"), rs.getBoolean(prefix + "is_default"),
                rs.getObject(prefix + "created", OffsetDateTime.class), rs.getObject(prefix + "updated", OffsetDateTime.class));
    }

    static Hypervisor mapHypervisor(ResultSet rs) throws SQLException {
        return mapHypervisor(rs, "");
    }

    /** Maps a hypervisor whose column labels start with {@code prefix} (see {@link #HYPERVISOR_COLUMNS}). */
    public static Hypervisor mapHypervisor(ResultSet rs, String prefix) throws SQLException {
        HypervisorConnection connection = new HypervisorConnection(rs.getString(prefix + "name"), rs.getString(prefix + "driver"),
                rs.getString(prefix + "uri"), rs.getString(prefix + "storage_pool"), rs.getString(prefix + "domain_type"),
                rs.getString(prefix + "bridge"), rs.getBoolean(prefix + "full_copy_disks"), rs.getString(prefix + "console_log_dir"));
        return new Hypervisor(rs.getLong(prefix + "id"), rs.getString(prefix + "name"), rs.getLong(prefix + "group_id"),
                rs.getString(prefix + "ip"), connection, rs.getString(prefix + "data_dir"), rs.getInt(prefix + "max_memory_mb"),
                rs.getInt(prefix + "max_cpu_cores"), rs.getInt(prefix + "max_storage_gb"), rs.getInt(prefix + "max_servers"),
                rs.getInt(prefix + "max_concurrent_builds"), rs.getInt(prefix + "simulator_delay_ms"),
                rs.getBoolean(prefix + "enabled"), rs.getBoolean(prefix + "maintenance"),
                rs.getObject(prefix + "created", OffsetDateTime.class), rs.getObject(prefix + "updated", OffsetDateTime.class));
    }
}
