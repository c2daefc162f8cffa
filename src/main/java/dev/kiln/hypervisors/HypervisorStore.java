package dev.kiln.hypervisors;

import dev.kiln.store.Row;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** Reads hypervisors and groups, and what the servers on each hypervisor use. */
public final class HypervisorStore {

    /** The {@code hypervisor_group} columns that {@link #mapGroup(Row)} reads. */
    public static final List<String> GROUP_COLUMNS = List.of("id", "name", "description", "distribution_type", "enabled",
            "is_default", "created", "updated");

    /** The {@code hypervisor} columns that {@link #mapHypervisor(Row)} reads. */
    public static final List<String> HYPERVISOR_COLUMNS = List.of("id", "name", "group_id", "driver", "uri", "ip", "storage_pool",
            "domain_type", "bridge", "full_copy_disks", "console_log_dir", "data_dir", "max_memory_mb", "max_cpu_cores",
            "max_storage_gb", "max_servers", "max_concurrent_builds", "simulator_delay_ms", "enabled", "maintenance", "created",
            "updated");

    private final Jdbi jdbi;

    public HypervisorStore(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    public List<HypervisorGroup> groups() {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM hypervisor_group ORDER BY id").map(Row.mapper(HypervisorStore::mapGroup)).list());
    }

    public Optional<HypervisorGroup> findGroup(long id) {
        return jdbi.withHandle(h -> findGroup(h, id));
    }

    public Optional<HypervisorGroup> findGroup(Handle h, long id) {
        return h.createQuery("SELECT * FROM hypervisor_group WHERE id = :id").bind("id", id).map(Row.mapper(HypervisorStore::mapGroup)).findOne();
    }

    public List<Hypervisor> hypervisors() {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM hypervisor ORDER BY id").map(Row.mapper(HypervisorStore::mapHypervisor)).list());
    }

    public Optional<Hypervisor> find(long id) {
        return jdbi.withHandle(h -> find(h, id));
    }

    public Optional<Hypervisor> find(Handle h, long id) {
        return h.createQuery("SELECT * FROM hypervisor WHERE id = :id").bind("id", id).map(Row.mapper(HypervisorStore::mapHypervisor)).findOne();
    }

    /** Enabled hypervisors of a group that are not in maintenance, in id order. */
    public List<Hypervisor> placeable(Handle h, long groupId) {
        return h.createQuery("SELECT * FROM hypervisor WHERE group_id = :group AND enabled AND NOT maintenance ORDER BY id")
                .bind("group", groupId).map(Row.mapper(HypervisorStore::mapHypervisor)).list();
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

    /** Maps a {@code hypervisor_group} row. A joined row passes {@code row.prefixed(...)} (see {@link #GROUP_COLUMNS}). */
    public static HypervisorGroup mapGroup(Row r) throws SQLException {
        return new HypervisorGroup(r.getLong("id"), r.getString("name"), r.getString("description"), r.getInt("distribution_type"),
                r.getBoolean("enabled"), r.getBoolean("is_default"), r.getTime("created"), r.getTime("updated"));
    }

    /** Maps a {@code hypervisor} row. A joined row passes {@code row.prefixed(...)} (see {@link #HYPERVISOR_COLUMNS}). */
    public static Hypervisor mapHypervisor(Row r) throws SQLException {
        HypervisorConnection connection = new HypervisorConnection(r.getString("name"), r.getString("driver"), r.getString("uri"),
                r.getString("storage_pool"), r.getString("domain_type"), r.getString("bridge"), r.getBoolean("full_copy_disks"),
                r.getString("console_log_dir"));
        return new Hypervisor(r.getLong("id"), r.getString("name"), r.getLong("group_id"), r.getString("ip"), connection,
                r.getString("data_dir"), r.getInt("max_memory_mb"), r.getInt("max_cpu_cores"), r.getInt("max_storage_gb"),
                r.getInt("max_servers"), r.getInt("max_concurrent_builds"), r.getInt("simulator_delay_ms"),
                r.getBoolean("enabled"), r.getBoolean("maintenance"), r.getTime("created"), r.getTime("updated"));
    }
}
