package dev.kiln.servers;

import dev.kiln.NotFoundException;
import dev.kiln.catalog.CatalogStore;
import dev.kiln.catalog.OsTemplate;
import dev.kiln.hypervisors.Allocation;
import dev.kiln.hypervisors.HypervisorStore;
import dev.kiln.network.Ipv4Address;
import dev.kiln.network.Ipv6Subnet;
import dev.kiln.network.NetworkStore;
import dev.kiln.store.Columns;
import dev.kiln.store.Dialect;
import dev.kiln.store.Labels;
import dev.kiln.store.Row;
import dev.kiln.users.SshKey;
import dev.kiln.users.UserStore;
import java.sql.SQLException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import org.jdbi.v3.core.Handle;

/**
 * Loads {@link ServerDetails}. The first statement joins the server row with its owner,
 * hypervisor, hypervisor group and template, and adds the hypervisor's allocation (its
 * {@code hypervisor_usage} row) and the time of the server's latest queue activity. The disks,
 * SSH keys, IPv4 addresses and IPv6 subnets, which have several rows per server, follow in one
 * {@code UNION ALL} on PostgreSQL, where each statement is a round trip, and in four queries on
 * H2 ({@link Dialect#prefersSeparateQueries()}).
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

    /**
     * The columns of the children query and their types. A branch gives the columns of its kind,
     * and the others read as typed NULLs.
     */
    private static final Map<String, String> CHILD_COLUMNS = columns(
            "id", "BIGINT", "server_id", "BIGINT", "drive", "VARCHAR", "capacity_gb", "INT", "disk_type", "VARCHAR",
            "status", "INT", "created", "TIMESTAMP WITH TIME ZONE", "updated", "TIMESTAMP WITH TIME ZONE",
            "user_id", "BIGINT", "name", "VARCHAR", "public_key", "VARCHAR", "key_type", "VARCHAR", "enabled", "BOOLEAN",
            "block_id", "BIGINT", "address", "VARCHAR", "position", "INT", "rdns", "VARCHAR", "gateway", "VARCHAR",
            "netmask", "VARCHAR", "resolver1", "VARCHAR", "resolver2", "VARCHAR", "subnet_index", "BIGINT",
            "ipv6_prefix", "VARCHAR", "ipv6_subnet_len", "INT");

    /**
     * One {@code SELECT} per kind of child, the columns each mapper reads. The order matches the
     * stores' own queries: disks by drive, keys and subnets by id, addresses by position.
     */
    private static final String CHILDREN_QUERY = String.join(" UNION ALL ",
            branch("disk", "server_disk d WHERE d.server_id = :id", Map.of(
                    "id", "d.id", "server_id", "d.server_id", "drive", "d.drive", "capacity_gb", "d.capacity_gb",
                    "disk_type", "d.disk_type", "status", "d.status", "created", "d.created", "updated", "d.updated")),
            branch("key", "ssh_key k JOIN server_ssh_key sk ON sk.ssh_key_id = k.id WHERE sk.server_id = :id", Map.of(
                    "id", "k.id", "user_id", "k.user_id", "name", "k.name", "public_key", "k.public_key",
                    "key_type", "k.key_type", "enabled", "k.enabled", "created", "k.created", "updated", "k.updated")),
            branch("ipv4", "ipv4_address a JOIN ip_block b ON b.id = a.block_id WHERE a.server_id = :id", Map.of(
                    "id", "a.id", "block_id", "a.block_id", "address", "a.address", "position", "a.position",
                    "rdns", "a.rdns", "gateway", "b.gateway", "netmask", "b.netmask", "resolver1", "b.resolver1",
                    "resolver2", "b.resolver2")),
            branch("ipv6", "ipv6_subnet s JOIN ip_block b ON b.id = s.block_id WHERE s.server_id = :id", Map.of(
                    "id", "s.id", "block_id", "s.block_id", "subnet_index", "s.subnet_index",
                    "ipv6_prefix", "b.ipv6_prefix", "ipv6_subnet_len", "b.ipv6_subnet_len", "gateway", "b.gateway",
                    "resolver1", "b.resolver1", "resolver2", "b.resolver2")))
            + " ORDER BY kind, position, drive, id";

    private final Dialect dialect;
    private final UserStore users;
    private final NetworkStore network;
    private final Labels.Cache rowLabels = new Labels.Cache();
    private final Labels.Cache diskLabels = new Labels.Cache();
    private final Labels.Cache childLabels = new Labels.Cache();

    ServerDetailsLoader(Dialect dialect, UserStore users, NetworkStore network) {
        this.dialect = dialect;
        this.users = users;
        this.network = network;
    }

    ServerDetails load(Handle h, long id) {
        ServerDetails row = h.createQuery(ROW_QUERY).bind("id", id).map(rowLabels.mapper(ServerDetailsLoader::mapRow)).findOne()
                .orElseThrow(() -> new NotFoundException("server not found"));

        if (dialect.prefersSeparateQueries()) {
            List<Disk> disks = h.createQuery("SELECT * FROM server_disk WHERE server_id = :id ORDER BY drive").bind("id", id)
                    .map(diskLabels.mapper(ServerDetailsLoader::mapDisk)).list();
            return withChildren(row, network.ipv4OfServer(h, id), network.ipv6OfServer(h, id), disks, users.keysOfServer(h, id));
        }

        List<Object> children = h.createQuery(CHILDREN_QUERY).bind("id", id).map(childLabels.mapper(ServerDetailsLoader::mapChild)).list();
        return withChildren(row, only(children, Ipv4Address.class), only(children, Ipv6Subnet.class), only(children, Disk.class),
                only(children, SshKey.class));
    }

    private static ServerDetails withChildren(ServerDetails row, List<Ipv4Address> ipv4, List<Ipv6Subnet> ipv6, List<Disk> disks,
            List<SshKey> keys) {
        return new ServerDetails(row.server(), row.owner(), row.hypervisor(), row.group(), row.hypervisorAllocation(), ipv4, ipv6,
                disks, row.template(), keys, row.lastTaskOn());
    }

    private static Object mapChild(Row r) throws SQLException {
        String kind = r.getString("kind");
        return switch (kind) {
            case "disk" -> mapDisk(r);
            case "key" -> UserStore.mapKey(r);
            case "ipv4" -> NetworkStore.mapIpv4(r);
            case "ipv6" -> NetworkStore.mapIpv6(r);
            default -> throw new IllegalStateException("the children query returned a row of unknown kind " + kind);
        };
    }

    private static <T> List<T> only(List<Object> children, Class<T> type) {
        return children.stream().filter(type::isInstance).map(type::cast).toList();
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

    private static String branch(String kind, String from, Map<String, String> expressions) {
        if (!CHILD_COLUMNS.keySet().containsAll(expressions.keySet())) {
            throw new IllegalStateException("children query branch " + kind + " names a column outside CHILD_COLUMNS");
        }
        StringJoiner select = new StringJoiner(", ", "SELECT '" + kind + "' AS kind, ", " FROM " + from);
        // Typed NULLs, because PostgreSQL (15 here) types a bare NULL as text where two branches
        // with NULL meet, and then fails to union it with a later branch's number.
        CHILD_COLUMNS.forEach((column, type) -> select.add(
                expressions.getOrDefault(column, "CAST(NULL AS " + type + ")") + " AS " + column));
        return select.toString();
    }

    private static Map<String, String> columns(String... namesAndTypes) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < namesAndTypes.length; i += 2) {
            out.put(namesAndTypes[i], namesAndTypes[i + 1]);
        }
        return Collections.unmodifiableMap(out);
    }
}
