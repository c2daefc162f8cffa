package dev.kiln.servers;

import dev.kiln.NotFoundException;
import dev.kiln.catalog.CatalogStore;
import dev.kiln.catalog.OsTemplate;
import dev.kiln.hypervisors.Allocation;
import dev.kiln.hypervisors.HypervisorStore;
import dev.kiln.network.NetworkStore;
import dev.kiln.store.Columns;
import dev.kiln.store.Labels;
import dev.kiln.store.Row;
import dev.kiln.users.UserStore;
import java.sql.SQLException;
import java.util.List;
import org.jdbi.v3.core.Handle;

/**
 * Loads {@link ServerDetails} in five statements. The first joins the server row with its owner,
 * hypervisor, hypervisor group and template, and adds the hypervisor's allocation (its
 * {@code hypervisor_usage} row) and the time of the server's latest queue activity. The other
 * four read the disks, the SSH keys, the IPv4 addresses and the IPv6 subnets, which have
 * several rows per server.
 */
final class ServerDetailsLoader {

    private static final String ROW_QUERY = "SELECT s.*, "
            + Columns.prefixed("u", "u_", UserStore.USER_COLUMNS) + ", "
            + Columns.prefixed("hv", "hv_", HypervisorStore.HYPERVISOR_COLUMNS) + ", "
            + Columns.prefixed("g", "g_", HypervisorStore.GROUP_COLUMNS) + ", "
            + Columns.prefixed("t", "t_", CatalogStore.TEMPLATE_COLUMN_NAMES) + ", "
            + "COALESCE(a.servers, 0) AS a_servers, COALESCE(a.memory_mb, 0) AS a_memory, COALESCE(a.cpu_cores, 0) AS a_cpu, "
            + "COALESCE(a.storage_gb, 0) AS a_storage, "
            + "(SELECT MAX(q.updated) FROM queue_item q WHERE q.server_id = s.id) AS last_task_on "
            + "FROM server s "
            + "JOIN kiln_user u ON u.id = s.owner_id "
            + "JOIN hypervisor hv ON hv.id = s.hypervisor_id "
            + "JOIN hypervisor_group g ON g.id = hv.group_id "
            // No foreign key guards os_template_id: a template removed from the catalog leaves it dangling.
            + "LEFT JOIN os_template t ON t.id = s.os_template_id "
            + "LEFT JOIN hypervisor_usage a ON a.hypervisor_id = s.hypervisor_id "
            + "WHERE s.id = :id";

    private final UserStore users;
    private final NetworkStore network;
    private final Labels.Cache rowLabels = new Labels.Cache();
    private final Labels.Cache diskLabels = new Labels.Cache();

    ServerDetailsLoader(UserStore users, NetworkStore network) {
        this.users = users;
        this.network = network;
    }

    ServerDetails load(Handle h, long id) {
        ServerDetails row = h.createQuery(ROW_QUERY).bind("id", id).map((rs, ctx) -> mapRow(rowLabels.row(rs))).findOne()
                .orElseThrow(() -> new NotFoundException("server not found"));

        List<Disk> disks = h.createQuery("SELECT * FROM server_disk WHERE server_id = :id ORDER BY drive").bind("id", id)
                .map((rs, ctx) -> mapDisk(diskLabels.row(rs)))
                .list();
        var keys = users.keysOfServer(h, id);
        var ipv4 = network.ipv4OfServer(h, id);
        var ipv6 = network.ipv6OfServer(h, id);

        return new ServerDetails(row.server(), row.owner(), row.hypervisor(), row.group(), row.hypervisorAllocation(),
                ipv4, ipv6, disks, row.template(), keys, row.lastTaskOn());
    }

    /** Maps the joined row; the lists are left empty for {@link #load} to fill. */
    private static ServerDetails mapRow(Row r) throws SQLException {
        OsTemplate template = r.isNull("t_id") ? null : CatalogStore.mapTemplate(r.prefixed("t_"));
        Allocation allocation = new Allocation(r.getInt("a_servers"), r.getLong("a_memory"), r.getLong("a_cpu"),
                r.getLong("a_storage"));
        return new ServerDetails(ServerStore.map(r), UserStore.mapUser(r.prefixed("u_")),
                HypervisorStore.mapHypervisor(r.prefixed("hv_")), HypervisorStore.mapGroup(r.prefixed("g_")), allocation,
                List.of(), List.of(), List.of(), template, List.of(), r.getTime("last_task_on"));
    }

    private static Disk mapDisk(Row r) throws SQLException {
        return new Disk(r.getLong("id"), r.getLong("server_id"), r.getString("drive"), r.getInt("capacity_gb"),
                r.getString("disk_type"), r.getInt("status"), r.getTime("created"), r.getTime("updated"));
    }
}
