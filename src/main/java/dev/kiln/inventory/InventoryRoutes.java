package dev.kiln.inventory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.NotFoundException;
import dev.kiln.ValidationException;
import dev.kiln.http.Json;
import dev.kiln.http.Responses;
import dev.kiln.http.Routes;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;

/**
 * Kiln's own inventory administration under {@code /api/kiln/v1}, through the same
 * {@link InventoryApplier} as {@code kiln inventory apply}:
 * <ul>
 *   <li>{@code POST /inventory}: apply a whole inventory document (YAML or JSON);</li>
 *   <li>{@code GET /{kind}}: list one kind as inventory entries;</li>
 *   <li>{@code PUT /{kind}/{name}}: create or update one entry (the body is the entry);</li>
 *   <li>{@code POST /{kind}/{name}/disable}: disable an entry so no new server uses it.</li>
 * </ul>
 * Kinds: {@code hypervisor-groups}, {@code hypervisors}, {@code ip-blocks}, {@code template-groups},
 * {@code templates} (named by key), {@code packages}.
 */
public final class InventoryRoutes implements Routes {

    /** Kind in the path, to the inventory document's key and the table behind it. */
    private static final Map<String, Kind> KINDS = Map.of(
            "hypervisor-groups", new Kind("hypervisorGroups", "hypervisor_group", "name", true),
            "hypervisors", new Kind("hypervisors", "hypervisor", "name", true),
            "ip-blocks", new Kind("ipBlocks", "ip_block", "name", true),
            "template-groups", new Kind("templateGroups", "template_group", "name", false),
            "templates", new Kind("templates", "os_template", "template_key", true),
            "packages", new Kind("packages", "package", "name", true));

    private final Jdbi jdbi;
    private final InventoryApplier applier;

    public InventoryRoutes(Jdbi jdbi, InventoryApplier applier) {
        this.jdbi = jdbi;
        this.applier = applier;
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.post("/api/kiln/v1/inventory", this::applyDocument);
        routes.get("/api/kiln/v1/{kind}", this::list);
        routes.put("/api/kiln/v1/{kind}/{name}", this::putEntry);
        routes.post("/api/kiln/v1/{kind}/{name}/disable", this::disable);
    }

    private void applyDocument(Context ctx) {
        Inventory inventory = InventoryApplier.read(new ByteArrayInputStream(ctx.bodyAsBytes()), "request body");
        Responses.data(ctx, Json.object().put("applied", applier.apply(inventory)));
    }

    private void list(Context ctx) {
        Kind kind = kind(ctx);
        ArrayNode rows = Json.array();
        new InventoryExport(jdbi).entries(kind.documentKey()).forEach(rows::add);
        Responses.data(ctx, rows);
    }

    private void putEntry(Context ctx) {
        Kind kind = kind(ctx);
        JsonNode entry = Responses.body(ctx).asObject();
        String name = ctx.pathParam("name");
        String nameField = kind.documentKey().equals("templates") ? "key" : "name";
        JsonNode given = entry.get(nameField);
        if (given != null && !given.isNull() && !given.asText().equals(name)) {
            throw new ValidationException("The " + nameField + " field ('" + given.asText() + "') differs from the name in the path ('"
                    + name + "').");
        }
        ((ObjectNode) entry).put(nameField, name);
        ObjectNode document = Json.object();
        document.putArray(kind.documentKey()).add(entry);
        byte[] bytes = document.toString().getBytes(StandardCharsets.UTF_8);
        Inventory inventory = InventoryApplier.read(new ByteArrayInputStream(bytes), "request body");
        Responses.data(ctx, Json.object().put("applied", applier.apply(inventory)));
    }

    private void disable(Context ctx) {
        Kind kind = kind(ctx);
        String name = ctx.pathParam("name");
        if (!kind.disableable()) {
            throw new ValidationException(kind.documentKey() + " entries cannot be disabled; disable their templates instead.");
        }
        int updated = jdbi.withHandle(h -> h.createUpdate("UPDATE " + kind.table() + " SET enabled = FALSE WHERE " + kind.nameColumn()
                + " = :name").bind("name", name).execute());
        if (updated == 0) {
            throw new NotFoundException(kind.documentKey() + " entry '" + name + "' not found");
        }
        Responses.noContent(ctx);
    }

    private static Kind kind(Context ctx) {
        Kind kind = KINDS.get(ctx.pathParam("kind"));
        if (kind == null) {
            throw new NotFoundException("unknown inventory kind '" + ctx.pathParam("kind") + "'; expected one of "
                    + List.copyOf(new java.util.TreeSet<>(KINDS.keySet())));
        }
        return kind;
    }

    private record Kind(String documentKey, String table, String nameColumn, boolean disableable) {
    }
}
