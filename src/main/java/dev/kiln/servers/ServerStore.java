package dev.kiln.servers;

import dev.kiln.store.Labels;
import dev.kiln.store.Row;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/** Server rows and their SSH key sets. State changes are compare-and-set on {@code version}. */
public final class ServerStore {

    private final Labels.Cache serverRow = new Labels.Cache();

    public Optional<Server> find(Handle h, long id) {
        return h.createQuery("SELECT * FROM server WHERE id = :id").bind("id", id).map(serverRow.mapper(ServerStore::map)).findOne();
    }

    /** Inserts a new server and returns its id. */
    public long insert(Handle h, NewServer s, OffsetDateTime now) {
        return h.createUpdate("INSERT INTO server (uuid, owner_id, hypervisor_id, package_id, name, commission_status, state, "
                        + "memory_mb, cpu_cores, storage_gb, traffic_gb, network_speed_in, network_speed_out, vnc_port, mac, "
                        + "created, updated) VALUES (:uuid, :owner, :hypervisor, :package, '', 0, 'allocated', :memory, :cpu, "
                        + ":storage, :traffic, :speedIn, :speedOut, :vncPort, :mac, :now, :now)")
                .bind("uuid", s.uuid()).bind("owner", s.ownerId()).bind("hypervisor", s.hypervisorId())
                .bind("package", s.packageId()).bind("memory", s.memoryMb()).bind("cpu", s.cpuCores())
                .bind("storage", s.storageGb()).bind("traffic", s.trafficGb()).bind("speedIn", s.networkSpeedIn())
                .bind("speedOut", s.networkSpeedOut()).bind("vncPort", s.vncPort()).bind("mac", s.mac()).bind("now", now)
                .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
    }

    /** Next free VNC port on a hypervisor, counting from 5900. */
    public int nextVncPort(Handle h, long hypervisorId) {
        return h.createQuery("SELECT COALESCE(MAX(vnc_port), 5899) + 1 FROM server WHERE hypervisor_id = :id")
                .bind("id", hypervisorId).mapTo(Integer.class).one();
    }

    public List<Long> sshKeyIds(Handle h, long serverId) {
        return h.createQuery("SELECT ssh_key_id FROM server_ssh_key WHERE server_id = :id ORDER BY ssh_key_id")
                .bind("id", serverId).mapTo(Long.class).list();
    }

    /** Replaces the server's SSH key set; a rebuild installs exactly the new set. */
    public void replaceSshKeys(Handle h, long serverId, List<Long> keyIds) {
        h.createUpdate("DELETE FROM server_ssh_key WHERE server_id = :id").bind("id", serverId).execute();
        for (Long keyId : keyIds) {
            h.createUpdate("INSERT INTO server_ssh_key (server_id, ssh_key_id) VALUES (:server, :key)")
                    .bind("server", serverId).bind("key", keyId).execute();
        }
    }

    /** Maps a {@code server} row. */
    static Server map(Row r) throws SQLException {
        return new Server(
                r.getLong("id"), r.getString("uuid"), r.getLong("owner_id"), r.getLong("hypervisor_id"),
                r.getLong("package_id"), r.getString("name"), r.getString("hostname"), r.getInt("commission_status"),
                r.getString("state"), r.getBoolean("suspended"), r.getBoolean("protected"), r.getBoolean("build_failed"),
                r.getTime("built"), r.getInt("memory_mb"), r.getInt("cpu_cores"), r.getInt("storage_gb"), r.getInt("traffic_gb"),
                r.getInt("network_speed_in"), r.getInt("network_speed_out"), r.getNullableLong("os_template_id"),
                r.getString("encrypted_password"), r.getBoolean("vnc_enabled"), r.getInt("vnc_port"),
                r.getString("encrypted_vnc_password"), r.getBoolean("ipv6_enabled"), r.getInt("swap_mb"), r.getString("mac"),
                r.getNullableLong("locked_queue_id"), r.getTime("delete_after"), r.getLong("version"), r.getTime("created"),
                r.getTime("updated"), r.getInt("cpu_throttle"), r.getBoolean("resume_on_unsuspend"), r.getString("ip_whitelist"),
                r.getString("custom_xml"), r.getNullableLong("backup_plan_id"));
    }

    /** The columns a new server starts with. */
    public record NewServer(String uuid, long ownerId, long hypervisorId, long packageId, int memoryMb, int cpuCores,
            int storageGb, int trafficGb, int networkSpeedIn, int networkSpeedOut, int vncPort, String mac) {
    }
}
