package dev.kiln.queue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.NotFoundException;
import dev.kiln.Times;
import dev.kiln.http.Json;
import dev.kiln.http.Responses;
import dev.kiln.http.Routes;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.List;
import org.jdbi.v3.core.Jdbi;

/** {@code GET /queue/{id}} in VirtFusion's shape, steps as {@code primaryActions}. */
public final class QueueRoutes implements Routes {

    private final Jdbi jdbi;
    private final QueueStore store;

    public QueueRoutes(Jdbi jdbi, QueueStore store) {
        this.jdbi = jdbi;
        this.store = store;
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.get("/api/v1/queue/{id}", this::getItem);
    }

    private void getItem(Context ctx) {
        long id = Responses.id(ctx, "id", "queue item not found");
        ObjectNode view = jdbi.withHandle(h -> {
            QueueItem item = store.find(h, id).orElseThrow(() -> new NotFoundException("queue item not found"));
            return render(item, store.steps(h, id));
        });
        Responses.data(ctx, view);
    }

    static ObjectNode render(QueueItem item, List<QueueStep> steps) {
        ObjectNode out = Json.object();
        out.put("id", item.id());
        out.put("jobId", Long.toString(item.id()));
        out.put("job", Actions.jobName(item.action()));
        out.put("hypervisorId", item.hypervisorId());
        out.put("serverId", item.serverId());
        out.put("action", item.action());
        out.put("queue", "default");
        putTime(out, "started", item.started());
        out.put("updated", Times.offset(item.updated()));
        putTime(out, "finished", item.finished());
        out.put("failed", item.failed());
        out.put("progress", item.progress());
        ObjectNode exception = out.putObject("errors").putObject("exception");
        exception.put("stringable", item.errorMessage() != null);
        exception.putArray("errors");
        if (item.errorMessage() == null) {
            exception.putNull("type");
            exception.putNull("trace");
            exception.putNull("message");
        } else {
            exception.put("type", "BuildFailed");
            exception.putNull("trace");
            exception.put("message", item.errorMessage());
        }
        ArrayNode actions = out.putArray("primaryActions");
        for (QueueStep step : steps) {
            ObjectNode action = actions.addObject();
            action.put("type", step.type());
            action.put("dataType", "object");
            ObjectNode data = action.putObject("data");
            data.put("success", step.success());
            data.put("output", step.output());
            action.put("created", Times.offset(step.created()));
            action.put("updated", Times.offset(step.updated()));
        }
        out.putArray("subActions");
        return out;
    }

    private static void putTime(ObjectNode node, String key, java.time.OffsetDateTime time) {
        if (time == null) {
            node.putNull(key);
        } else {
            node.put(key, Times.offset(time));
        }
    }
}
