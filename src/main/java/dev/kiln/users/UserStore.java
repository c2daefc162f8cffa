package dev.kiln.users;

import dev.kiln.store.Row;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/** Users and their SSH keys. */
public final class UserStore {

    /** The {@code kiln_user} columns that {@link #mapUser(Row)} reads. */
    public static final List<String> USER_COLUMNS = List.of("id", "ext_relation_id", "rel_str", "name", "email", "timezone",
            "self_service", "admin", "suspended", "created", "updated");

    public Optional<User> find(Handle h, long id) {
        return h.createQuery("SELECT * FROM kiln_user WHERE id = :id").bind("id", id).map(Row.mapper(UserStore::mapUser)).findOne();
    }

    public Optional<User> findByExtRelation(Handle h, long extRelationId) {
        return h.createQuery("SELECT * FROM kiln_user WHERE ext_relation_id = :ext").bind("ext", extRelationId)
                .map(Row.mapper(UserStore::mapUser)).findOne();
    }

    public Optional<User> findByRelStr(Handle h, String relStr) {
        return h.createQuery("SELECT * FROM kiln_user WHERE rel_str = :rel").bind("rel", relStr).map(Row.mapper(UserStore::mapUser)).findOne();
    }

    public boolean emailTaken(Handle h, String email) {
        return h.createQuery("SELECT COUNT(*) FROM kiln_user WHERE LOWER(email) = LOWER(:email)").bind("email", email)
                .mapTo(Long.class).one() > 0;
    }

    public long insert(Handle h, Long extRelationId, String relStr, String name, String email, String passwordHash,
            int selfService, OffsetDateTime now) {
        return h.createUpdate("INSERT INTO kiln_user (ext_relation_id, rel_str, name, email, password_hash, timezone, self_service, "
                        + "created, updated) VALUES (:ext, :rel, :name, :email, :hash, 'UTC', :selfService, :now, :now)")
                .bind("ext", extRelationId).bind("rel", relStr).bind("name", name).bind("email", email).bind("hash", passwordHash)
                .bind("selfService", selfService).bind("now", now)
                .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
    }

    public Optional<SshKey> findKey(Handle h, long id) {
        return h.createQuery("SELECT * FROM ssh_key WHERE id = :id").bind("id", id).map(Row.mapper(UserStore::mapKey)).findOne();
    }

    public List<SshKey> keysOfUser(Handle h, long userId) {
        return h.createQuery("SELECT * FROM ssh_key WHERE user_id = :user ORDER BY id").bind("user", userId)
                .map(Row.mapper(UserStore::mapKey)).list();
    }

    public List<SshKey> keys(Handle h, Collection<Long> ids) {
        if (ids.isEmpty()) {
            return List.of();
        }
        return h.createQuery("SELECT * FROM ssh_key WHERE id IN (<ids>) ORDER BY id").bindList("ids", List.copyOf(ids))
                .map(Row.mapper(UserStore::mapKey)).list();
    }

    /** The SSH keys installed by the server's latest build, in id order. */
    public List<SshKey> keysOfServer(Handle h, long serverId) {
        return h.createQuery("SELECT k.* FROM ssh_key k JOIN server_ssh_key sk ON sk.ssh_key_id = k.id "
                        + "WHERE sk.server_id = :server ORDER BY k.id")
                .bind("server", serverId).map(Row.mapper(UserStore::mapKey)).list();
    }

    public long insertKey(Handle h, long userId, String name, String publicKey, String type, OffsetDateTime now) {
        return h.createUpdate("INSERT INTO ssh_key (user_id, name, public_key, key_type, created, updated) "
                        + "VALUES (:user, :name, :key, :type, :now, :now)")
                .bind("user", userId).bind("name", name).bind("key", publicKey).bind("type", type).bind("now", now)
                .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
    }

    /** Maps a {@code kiln_user} row. A joined row passes {@code row.prefixed(...)} (see {@link #USER_COLUMNS}). */
    public static User mapUser(Row r) throws SQLException {
        return new User(r.getLong("id"), r.getNullableLong("ext_relation_id"), r.getString("rel_str"), r.getString("name"),
                r.getString("email"), r.getString("timezone"), r.getInt("self_service"), r.getBoolean("admin"),
                r.getBoolean("suspended"), r.getTime("created"), r.getTime("updated"));
    }

    /** Maps an {@code ssh_key} row. */
    public static SshKey mapKey(Row r) throws SQLException {
        return new SshKey(r.getLong("id"), r.getLong("user_id"), r.getString("name"), r.getString("public_key"),
                r.getString("key_type"), r.getBoolean("enabled"), r.getTime("created"), r.getTime("updated"));
    }
}
