package dev.kiln.catalog;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.kiln.http.Json;
import dev.kiln.store.Row;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** Reads packages, template groups and templates. */
public final class CatalogStore {

    private static final String TEMPLATE_COLUMNS = "t.id, t.template_key, t.group_id, t.name, t.version, t.variant, t.arch, "
            + "t.os_type, t.description, t.icon, t.source_url, t.runcmd, t.vnc, t.eol, t.enabled";

    /** The {@code os_template} columns that {@link #mapTemplate(Row)} reads. */
    public static final List<String> TEMPLATE_COLUMN_NAMES = List.of("id", "template_key", "group_id", "name", "version", "variant",
            "arch", "os_type", "description", "icon", "source_url", "runcmd", "vnc", "eol", "enabled");

    private final Jdbi jdbi;

    public CatalogStore(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    public List<ServerPackage> packages() {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM package ORDER BY id").map((rs, ctx) -> mapPackage(rs)).list());
    }

    public Optional<ServerPackage> findPackage(long id) {
        return jdbi.withHandle(h -> findPackage(h, id));
    }

    public Optional<ServerPackage> findPackage(Handle h, long id) {
        return h.createQuery("SELECT * FROM package WHERE id = :id").bind("id", id).map((rs, ctx) -> mapPackage(rs)).findOne();
    }

    public Optional<OsTemplate> findTemplate(Handle h, long id) {
        return h.createQuery("SELECT " + TEMPLATE_COLUMNS + " FROM os_template t WHERE t.id = :id")
                .bind("id", id).map(Row.mapper(CatalogStore::mapTemplate)).findOne();
    }

    public Optional<OsTemplate> findTemplate(long id) {
        return jdbi.withHandle(h -> findTemplate(h, id));
    }

    /**
     * Looks a template up for a server of the package, in one statement.
     *
     * @return empty when no template has the id
     */
    public Optional<TemplateOffer> templateOffer(Handle h, long packageId, long templateId) {
        return h.createQuery("SELECT t.enabled, EXISTS (SELECT 1 FROM package_template_group p "
                        + "WHERE p.package_id = :package AND p.template_group_id = t.group_id) AS offered "
                        + "FROM os_template t WHERE t.id = :template")
                .bind("package", packageId).bind("template", templateId)
                .map((rs, ctx) -> new TemplateOffer(rs.getBoolean("enabled"), rs.getBoolean("offered"))).findOne();
    }

    /** Lists the groups a package offers, each with its enabled templates, in id order. */
    public List<TemplateGroupWithTemplates> offeredTo(long packageId) {
        return jdbi.withHandle(h -> {
            List<TemplateGroup> groups = h.createQuery("SELECT g.id, g.name, g.description, g.icon FROM template_group g "
                            + "JOIN package_template_group p ON p.template_group_id = g.id WHERE p.package_id = :package ORDER BY g.id")
                    .bind("package", packageId)
                    .map((rs, ctx) -> new TemplateGroup(rs.getLong("id"), rs.getString("name"), rs.getString("description"), rs.getString("icon")))
                    .list();
            List<OsTemplate> templates = h.createQuery("SELECT " + TEMPLATE_COLUMNS + " FROM os_template t "
                            + "JOIN package_template_group p ON p.template_group_id = t.group_id "
                            + "WHERE p.package_id = :package AND t.enabled ORDER BY t.id")
                    .bind("package", packageId).map(Row.mapper(CatalogStore::mapTemplate)).list();
            return groups.stream()
                    .map(g -> new TemplateGroupWithTemplates(g, templates.stream().filter(t -> t.groupId() == g.id()).toList()))
                    .filter(g -> !g.templates().isEmpty())
                    .toList();
        });
    }

    static ServerPackage mapPackage(ResultSet rs) throws SQLException {
        return new ServerPackage(rs.getLong("id"), rs.getString("name"), rs.getString("description"), rs.getBoolean("enabled"),
                rs.getInt("memory_mb"), rs.getInt("cpu_cores"), rs.getInt("primary_storage_gb"), rs.getInt("traffic_gb"),
                rs.getInt("network_speed_in"), rs.getInt("network_speed_out"), rs.getObject("created", OffsetDateTime.class));
    }

    /** Maps an {@code os_template} row. A joined row passes {@code row.prefixed(...)} (see {@link #TEMPLATE_COLUMN_NAMES}). */
    public static OsTemplate mapTemplate(Row r) throws SQLException {
        return new OsTemplate(r.getLong("id"), r.getString("template_key"), r.getLong("group_id"), r.getString("name"),
                r.getString("version"), r.getString("variant"), r.getInt("arch"), r.getString("os_type"),
                r.getString("description"), r.getString("icon"), r.getString("source_url"), parseRuncmd(r.getString("runcmd")),
                r.getBoolean("vnc"), r.getBoolean("eol"), r.getBoolean("enabled"));
    }

    private static List<String> parseRuncmd(String json) {
        try {
            return Json.MAPPER.readValue(json, new TypeReference<List<String>>() { });
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("os_template.runcmd contains invalid JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** Whether a template is enabled, and whether a package offers its group. */
    public record TemplateOffer(boolean enabled, boolean offeredToPackage) {
    }

    /** A template group row. */
    public record TemplateGroup(long id, String name, String description, String icon) {
    }

    /** A template group with the templates a package may use from it. */
    public record TemplateGroupWithTemplates(TemplateGroup group, List<OsTemplate> templates) {
    }
}
