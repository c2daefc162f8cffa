package dev.kiln.queue;

import dev.kiln.store.Dialect;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.jdbi.v3.core.Handle;

/**
 * Queue items and their steps. Claims and lease renewals are compare-and-set updates, so two
 * workers never hold the same item; on PostgreSQL the candidate query also skips rows that
 * another worker has locked.
 */
public final class QueueStore {

    private final Dialect dialect;

    public QueueStore(Dialect dialect) {
        this.dialect = dialect;
    }

    public long insert(Handle h, long serverId, long hypervisorId, String action, String payload, OffsetDateTime now) {
        return h.createUpdate("INSERT INTO queue_item (server_id, hypervisor_id, action, status, payload, created, updated) "
                        + "VALUES (:server, :hypervisor, :action, 'queued', :payload, :now, :now)")
                .bind("server", serverId).bind("hypervisor", hypervisorId).bind("action", action).bind("payload", payload)
                .bind("now", now)
                .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
    }

    /** Inserts an item that no worker claims before {@code notBefore}. */
    public long insertScheduled(Handle h, long serverId, long hypervisorId, String action, String payload, OffsetDateTime now,
            OffsetDateTime notBefore) {
        long id = insert(h, serverId, hypervisorId, action, payload, now);
        h.createUpdate("UPDATE queue_item SET not_before = :notBefore WHERE id = :id").bind("notBefore", notBefore).bind("id", id)
                .execute();
        return id;
    }

    public Optional<QueueItem> find(Handle h, long id) {
        return h.createQuery("SELECT * FROM queue_item WHERE id = :id").bind("id", id).map((rs, ctx) -> map(rs)).findOne();
    }

    public List<QueueStep> steps(Handle h, long itemId) {
        return h.createQuery("SELECT * FROM queue_step WHERE queue_item_id = :id ORDER BY id").bind("id", itemId)
                .map((rs, ctx) -> new QueueStep(rs.getLong("id"), rs.getLong("queue_item_id"), rs.getString("step_type"),
                        rs.getBoolean("success"), rs.getString("output"), rs.getObject("created", OffsetDateTime.class),
                        rs.getObject("updated", OffsetDateTime.class)))
                .list();
    }

    public Optional<OffsetDateTime> lastActivity(Handle h, long serverId) {
        return h.createQuery("SELECT MAX(updated) FROM queue_item WHERE server_id = :server").bind("server", serverId)
                .mapTo(OffsetDateTime.class).findOne();
    }

    /**
     * Ids of items a worker may claim now, oldest first: queued items, and running items whose
     * lease has lapsed (their worker died), on hypervisors below their build limit. Workers count
     * again under the hypervisor's lock before they claim.
     *
     * <p>Each kind is its own statement, so that each reads the {@code (status, id)} index for its
     * status only: finished items, which pile up with every build, are never read. Queued items
     * are ordered by {@code status, id}, the index's own order, so H2 as well as PostgreSQL reads
     * the index in order and stops after {@code limit} rows; ordered by {@code id} alone, H2 sorts
     * every queued row first. The full hypervisors are found once per statement, by counting the
     * running items per hypervisor.
     */
    public List<Long> claimable(Handle h, OffsetDateTime now, int limit) {
        List<Long> queued = candidates(h, "q.status = 'queued' AND (q.not_before IS NULL OR q.not_before <= :now)", now, limit);
        List<Long> lapsed = candidates(h, "q.status = 'running' AND q.lease_until < :now", now, limit);
        if (lapsed.isEmpty()) {
            return queued;
        }
        return Stream.concat(queued.stream(), lapsed.stream()).sorted().limit(limit).toList();
    }

    private static List<Long> candidates(Handle h, String condition, OffsetDateTime now, int limit) {
        return h.createQuery("SELECT q.id FROM queue_item q JOIN hypervisor hv ON hv.id = q.hypervisor_id "
                        + "WHERE " + condition + " AND hv.max_concurrent_builds > 0 "
                        + "AND q.hypervisor_id NOT IN (SELECT r.hypervisor_id FROM queue_item r "
                        + "     JOIN hypervisor full_hv ON full_hv.id = r.hypervisor_id "
                        + "     WHERE r.status = 'running' AND r.lease_until >= :now "
                        + "     GROUP BY r.hypervisor_id, full_hv.max_concurrent_builds "
                        + "     HAVING COUNT(*) >= full_hv.max_concurrent_builds) "
                        + "ORDER BY q.status, q.id LIMIT :limit")
                .bind("now", now).bind("limit", limit).mapTo(Long.class).list();
    }

    /** Locks one candidate row for the claim that follows (PostgreSQL skips rows others hold). */
    public boolean lockCandidate(Handle h, long id) {
        return h.createQuery("SELECT id FROM queue_item WHERE id = :id" + dialect.skipLocked())
                .bind("id", id).mapTo(Long.class).findOne().isPresent();
    }

    /**
     * Takes the item for {@code owner} if it is still queued or its lease has lapsed.
     *
     * @return true when this call took it
     */
    public boolean claim(Handle h, long id, String owner, OffsetDateTime now, OffsetDateTime leaseUntil) {
        return h.createUpdate("UPDATE queue_item SET status = 'running', lease_owner = :owner, lease_until = :until, "
                        + "attempts = attempts + 1, started = COALESCE(started, :now), updated = :now "
                        + "WHERE id = :id AND ((status = 'queued' AND (not_before IS NULL OR not_before <= :now)) "
                        + "OR (status = 'running' AND lease_until < :now))")
                .bind("id", id).bind("owner", owner).bind("until", leaseUntil).bind("now", now)
                .execute() == 1;
    }

    /** Extends the lease; false means the worker lost the item and must stop working on it. */
    public boolean renew(Handle h, long id, String owner, OffsetDateTime now, OffsetDateTime leaseUntil) {
        return h.createUpdate("UPDATE queue_item SET lease_until = :until WHERE id = :id AND status = 'running' AND lease_owner = :owner")
                .bind("id", id).bind("owner", owner).bind("until", leaseUntil).execute() == 1;
    }

    /**
     * Ends the lease at once and takes back the attempt's count, for a worker that stops because
     * its node shuts down. The item is not at fault, so restarting nodes during a long build never
     * uses up its {@link Workers#MAX_ATTEMPTS}.
     *
     * @return false when another worker has taken the item over
     */
    public boolean release(Handle h, long id, String owner, OffsetDateTime now) {
        return h.createUpdate("UPDATE queue_item SET lease_until = :now, attempts = attempts - 1 "
                        + "WHERE id = :id AND status = 'running' AND lease_owner = :owner")
                .bind("id", id).bind("owner", owner).bind("now", now).execute() == 1;
    }

    public boolean progress(Handle h, long id, String owner, int progress, OffsetDateTime now) {
        return h.createUpdate("UPDATE queue_item SET progress = :progress, updated = :now "
                        + "WHERE id = :id AND status = 'running' AND lease_owner = :owner")
                .bind("id", id).bind("owner", owner).bind("progress", progress).bind("now", now).execute() == 1;
    }

    public void recordStep(Handle h, long itemId, String type, boolean success, String output, OffsetDateTime started,
            OffsetDateTime now) {
        h.createUpdate("INSERT INTO queue_step (queue_item_id, step_type, success, output, created, updated) "
                        + "VALUES (:item, :type, :success, :output, :started, :now)")
                .bind("item", itemId).bind("type", type).bind("success", success)
                .bind("output", output.length() > 8000 ? output.substring(0, 7997) + "..." : output)
                .bind("started", started).bind("now", now).execute();
    }

    /** Marks the item done or failed if this worker still holds it; {@code lease_owner} keeps who ran it. */
    public boolean finish(Handle h, long id, String owner, boolean failed, String error, OffsetDateTime now) {
        return h.createUpdate("UPDATE queue_item SET status = :status, failed = :failed, error_message = :error, "
                        + "progress = CASE WHEN :failed THEN progress ELSE 100 END, lease_until = NULL, "
                        + "updated = :now, finished = :now WHERE id = :id AND status = 'running' AND lease_owner = :owner")
                .bind("status", failed ? QueueItem.FAILED : QueueItem.DONE).bind("failed", failed).bind("error", error)
                .bind("now", now).bind("id", id).bind("owner", owner).execute() == 1;
    }

    static QueueItem map(ResultSet rs) throws SQLException {
        return new QueueItem(rs.getLong("id"), rs.getLong("server_id"), rs.getLong("hypervisor_id"), rs.getString("action"),
                rs.getString("status"), rs.getInt("progress"), rs.getBoolean("failed"), rs.getString("error_message"),
                rs.getString("payload"), rs.getString("lease_owner"), rs.getObject("lease_until", OffsetDateTime.class),
                rs.getInt("attempts"), rs.getObject("created", OffsetDateTime.class), rs.getObject("started", OffsetDateTime.class),
                rs.getObject("updated", OffsetDateTime.class), rs.getObject("finished", OffsetDateTime.class));
    }
}
