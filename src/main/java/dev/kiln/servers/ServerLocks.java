package dev.kiln.servers;

import dev.kiln.LockedException;
import dev.kiln.NotFoundException;
import dev.kiln.queue.QueueStore;
import java.time.OffsetDateTime;
import org.jdbi.v3.core.Handle;

/**
 * Queues an item that holds a server: the item is inserted and the server locked to it by a
 * compare-and-set on {@code version}, so one active item per server holds across nodes.
 */
final class ServerLocks {

    private final ServerStore servers;
    private final QueueStore queue;

    ServerLocks(ServerStore servers, QueueStore queue) {
        this.servers = servers;
        this.queue = queue;
    }

    /** Loads the server, throwing 404 when it is missing and 423 when a queued or running item locks it. */
    Server requireFree(Handle h, long serverId) {
        return requireFree(servers, h, serverId);
    }

    /** Like {@link #requireFree(Handle, long)}, for routes that change a server without queueing an item. */
    static Server requireFree(ServerStore servers, Handle h, long serverId) {
        Server server = servers.find(h, serverId).orElseThrow(() -> new NotFoundException("server not found"));
        if (server.lockedQueueId() != null) {
            throw new LockedException("server is locked by queue item " + server.lockedQueueId()
                    + " in progress; try again when it has finished");
        }
        return server;
    }

    /** Inserts the item and locks the server to it; throws 423 when someone else locked it first. */
    long enqueue(Handle h, Server server, String action, String payload, OffsetDateTime now, OffsetDateTime notBefore) {
        long itemId = notBefore == null
                ? queue.insert(h, server.id(), server.hypervisorId(), action, payload, now)
                : queue.insertScheduled(h, server.id(), server.hypervisorId(), action, payload, now, notBefore);
        int locked = h.createUpdate("UPDATE server SET locked_queue_id = :item, version = version + 1, updated = :now "
                        + "WHERE id = :id AND version = :version AND locked_queue_id IS NULL")
                .bind("item", itemId).bind("now", now).bind("id", server.id()).bind("version", server.version()).execute();
        if (locked == 0) {
            throw new LockedException("server is locked by another action in progress; try again when it has finished");
        }
        return itemId;
    }

    /** Releases the server if the item still holds it. */
    static void release(Handle h, long serverId, long itemId, OffsetDateTime now) {
        h.createUpdate("UPDATE server SET locked_queue_id = NULL, version = version + 1, updated = :now "
                        + "WHERE id = :id AND locked_queue_id = :item")
                .bind("now", now).bind("id", serverId).bind("item", itemId).execute();
    }
}
