package dev.kiln.servers;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/** Server rows and their SSH key sets. State changes are compare-and-set on {@code version}. */
public final class ServerStore {

    public Optional<Server> find(Handle h, long id) {
        return h.createQuery("SELECT * FROM server WHERE id = :id").bind("id", id).map((rs, ctx) -> map(rs)).findOne();
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

    static Server map(ResultSet rs) throws SQLException {
        return new Server(
                rs.getLong("id"), rs.getString("uuid"), rs.getLong("owner_id"), rs.getLong("hypervisor_id"),
                rs.getLong("package_id"), rs.getString("name"), rs.getString("hostname"), rs.getInt("commission_status"),
                rs.getString("state"), rs.getBoolean("suspended"), rs.getBoolean("protected"), rs.getBoolean("build_failed"),
                rs.getObject("built", OffsetDateTime.class), rs.getInt("memory_mb"), rs.getInt("cpu_cores"),
                rs.getInt("storage_gb"), rs.getInt("traffic_gb"), rs.getInt("network_speed_in"), rs.getInt("network_speed_out"),
                nullableLong(rs, "os_template_id"), rs.getString("encrypted_password"), rs.getBoolean("vnc_enabled"),
                rs.getInt("vnc_port"), rs.getString("encrypted_vnc_password"), rs.getBoolean("ipv6_enabled"),
                rs.getInt("swap_mb"), rs.getString("mac"), nullableLong(rs, "locked_queue_id"),
                rs.getObject("delete_after", OffsetDateTime.class), rs.getLong("version"),
                rs.getObject("created", OffsetDateTime.class), rs.getObject("updated", OffsetDateTime.class),
                rs.getInt("cpu_throttle"), rs.getBoolean("resume_on_unsuspend"), rs.getString("ip_whitelist"),
                rs.getString("custom_xml"), nullableLong(rs, "backup_plan_id"));
    }

    private static Long nullableLong(ResultSet rs, String column) throws SQLException {
        long value = rs.getLong(column);
        return rs.wasNull() ? null : value;
    }

    /** The columns a new server starts with. */
    public record NewServer(String uuid, long ownerId, long hypervisorId, long packageId, int memoryMb, int cpuCores,
            int storageGb, int trafficGb, int networkSpeedIn, int networkSpeedOut, int vncPort, String mac) {
    }
}
