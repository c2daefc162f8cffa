package dev.kiln.queue;

import dev.kiln.testing.TestKiln;
import java.util.List;

/** Reads queue items and their step records straight from a test node's database. */
final class QueueRows {

    private QueueRows() {
    }

    static QueueItem item(TestKiln kiln, long itemId) {
        QueueStore store = new QueueStore(kiln.server().database().dialect());
        return kiln.server().database().jdbi().withHandle(h -> store.find(h, itemId))
                .orElseThrow(() -> new AssertionError("queue item " + itemId + " not found"));
    }

    static List<QueueStep> steps(TestKiln kiln, long itemId) {
        QueueStore store = new QueueStore(kiln.server().database().dialect());
        return kiln.server().database().jdbi().withHandle(h -> store.steps(h, itemId));
    }

    static List<String> stepTypes(TestKiln kiln, long itemId) {
        return steps(kiln, itemId).stream().map(QueueStep::type).toList();
    }

    /** Returns the id of the newest queue item of a server. */
    static long latestItem(TestKiln kiln, long serverId) {
        return kiln.server().database().jdbi().withHandle(h -> h.createQuery(
                        "SELECT MAX(id) FROM queue_item WHERE server_id = :server")
                .bind("server", serverId).mapTo(Long.class).one());
    }

    /** Returns every queue item of the node, oldest first. */
    static List<QueueItem> all(TestKiln kiln) {
        return kiln.server().database().jdbi().withHandle(h -> h.createQuery("SELECT * FROM queue_item ORDER BY id")
                .map((rs, ctx) -> QueueStore.map(rs)).list());
    }

    static long stepCount(TestKiln kiln, long itemId) {
        return kiln.server().database().jdbi().withHandle(h -> h.createQuery(
                        "SELECT COUNT(*) FROM queue_step WHERE queue_item_id = :item")
                .bind("item", itemId).mapTo(Long.class).one());
    }
}
