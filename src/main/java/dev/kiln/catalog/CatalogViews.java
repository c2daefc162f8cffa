package dev.kiln.catalog;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.Times;
import dev.kiln.http.Json;
import java.util.List;

/** VirtFusion's JSON shapes for packages and OS templates. */
public final class CatalogViews {

    private CatalogViews() {
    }

    public static ObjectNode packageView(ServerPackage p) {
        ObjectNode out = Json.object();
        out.put("id", p.id());
        out.put("name", p.name());
        out.put("description", p.description());
        out.put("enabled", p.enabled());
        out.put("memory", p.memoryMb());
        out.put("primaryStorage", p.primaryStorageGb());
        out.put("traffic", p.trafficGb());
        out.put("cpuCores", p.cpuCores());
        out.put("primaryNetworkSpeedIn", p.networkSpeedIn());
        out.put("primaryNetworkSpeedOut", p.networkSpeedOut());
        out.put("primaryDiskType", "inherit");
        out.put("backupPlanId", 0);
        out.putNull("primaryStorageReadBytesSec");
        out.putNull("primaryStorageWriteBytesSec");
        out.putNull("primaryStorageReadIopsSec");
        out.putNull("primaryStorageWriteIopsSec");
        out.put("primaryStorageProfile", 1);
        out.put("primaryNetworkProfile", 0);
        out.put("created", Times.micros(p.created()));
        return out;
    }

    public static ArrayNode templateGroups(List<CatalogStore.TemplateGroupWithTemplates> groups) {
        ArrayNode out = Json.array();
        for (CatalogStore.TemplateGroupWithTemplates entry : groups) {
            ObjectNode group = out.addObject();
            group.put("name", entry.group().name());
            group.put("description", entry.group().description());
            group.put("icon", entry.group().icon());
            ArrayNode templates = group.putArray("templates");
            entry.templates().forEach(t -> templates.add(template(t)));
            group.put("id", entry.group().id());
        }
        return out;
    }

    static ObjectNode template(OsTemplate t) {
        ObjectNode out = Json.object();
        out.put("id", t.id());
        out.put("name", t.name());
        out.put("version", t.version());
        out.put("variant", t.variant());
        out.put("arch", t.arch());
        out.put("description", t.description());
        out.put("icon", t.icon());
        out.put("eol", t.eol());
        out.putNull("eol_date");
        out.put("eol_warning", false);
        out.put("deploy_type", 1);
        out.put("vnc", t.vnc());
        out.put("type", t.type());
        return out;
    }
}
