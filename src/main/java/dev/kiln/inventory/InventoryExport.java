package dev.kiln.inventory;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.http.Json;
import dev.kiln.network.Addresses;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.mapper.CaseStrategy;
import org.jdbi.v3.core.mapper.MapMappers;

/** Reads stored inventory entries back in the inventory file's shape, one kind at a time. */
final class InventoryExport {

    private final Jdbi jdbi;

    InventoryExport(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    List<ObjectNode> entries(String documentKey) {
        return switch (documentKey) {
            case "hypervisorGroups" -> rows("SELECT name, description, enabled, is_default AS \"isDefault\" FROM hypervisor_group ORDER BY id");
            case "hypervisors" -> rows("SELECT h.name, g.name AS \"group\", h.driver, h.uri, h.ip, h.storage_pool AS \"storagePool\", "
                    + "h.domain_type AS \"domainType\", h.bridge, h.full_copy_disks AS \"fullCopyDisks\", "
                    + "h.console_log_dir AS \"consoleLogDir\", h.data_dir AS \"dataDir\", h.max_memory_mb AS \"memoryMb\", "
                    + "h.max_cpu_cores AS \"cpuCores\", h.max_storage_gb AS \"storageGb\", h.max_servers AS \"maxServers\", "
                    + "h.max_concurrent_builds AS \"maxConcurrentBuilds\", h.simulator_delay_ms AS \"delayMs\", h.enabled, h.maintenance "
                    + "FROM hypervisor h JOIN hypervisor_group g ON g.id = h.group_id ORDER BY h.id")
                    .stream().map(InventoryExport::nestHypervisor).toList();
            case "ipBlocks" -> rows("SELECT b.name, g.name AS \"group\", CASE WHEN b.ip_version = 4 THEN 'ipv4' ELSE 'ipv6' END AS \"type\", "
                    + "b.gateway, b.netmask, b.ipv6_prefix AS \"prefix\", b.ipv6_prefix_len AS \"prefixLength\", "
                    + "b.ipv6_subnet_len AS \"subnetLength\", b.resolver1, b.resolver2, b.enabled "
                    + "FROM ip_block b JOIN hypervisor_group g ON g.id = b.group_id ORDER BY b.id")
                    .stream().map(this::shapeIpBlock).toList();
            case "templateGroups" -> rows("SELECT name, description, icon FROM template_group ORDER BY id");
            case "templates" -> rows("SELECT t.template_key AS \"key\", g.name AS \"group\", t.name, t.version, t.variant, t.arch, "
                    + "t.os_type AS \"type\", t.description, t.icon, t.source_url AS \"source\", t.runcmd, t.vnc, t.eol, t.enabled "
                    + "FROM os_template t JOIN template_group g ON g.id = t.group_id ORDER BY t.id")
                    .stream().map(InventoryExport::parseRuncmd).toList();
            case "packages" -> rows("SELECT p.name, p.description, p.enabled, p.memory_mb AS \"memoryMb\", p.cpu_cores AS \"cpuCores\", "
                    + "p.primary_storage_gb AS \"primaryStorageGb\", p.traffic_gb AS \"trafficGb\", "
                    + "p.network_speed_in AS \"networkSpeedIn\", p.network_speed_out AS \"networkSpeedOut\", "
                    + "(SELECT STRING_AGG(g.name, ',' ORDER BY g.id) FROM package_template_group x JOIN template_group g "
                    + " ON g.id = x.template_group_id WHERE x.package_id = p.id) AS \"templateGroups\" FROM package p ORDER BY p.id")
                    .stream().map(InventoryExport::splitGroups).toList();
            default -> throw new IllegalArgumentException("unknown inventory kind " + documentKey);
        };
    }

    private List<ObjectNode> rows(String sql) {
        // Keep the aliases' case: they are the inventory file's camel-case field names.
        return jdbi.withHandle(h -> {
            h.getConfig(MapMappers.class).setCaseChange(CaseStrategy.NOP);
            return h.createQuery(sql).mapToMap().list();
        }).stream().map(InventoryExport::toJson).toList();
    }

    private static ObjectNode toJson(Map<String, Object> row) {
        ObjectNode out = Json.object();
        row.forEach((key, value) -> out.set(key, Json.MAPPER.valueToTree(value)));
        return out;
    }

    private static ObjectNode nestHypervisor(ObjectNode row) {
        ObjectNode resources = Json.object();
        for (String key : new String[] {"memoryMb", "cpuCores", "storageGb", "maxServers"}) {
            resources.set(key, row.remove(key));
        }
        row.set("resources", resources);
        row.putObject("simulator").set("delayMs", row.remove("delayMs"));
        return row;
    }

    /**
     * Puts an IP block row in the inventory's shape: CIDR prefix, resolver list, and for IPv4 the
     * lowest and highest stored address as {@code first} and {@code last}.
     */
    private ObjectNode shapeIpBlock(ObjectNode row) {
        var resolvers = Json.array();
        for (String key : new String[] {"resolver1", "resolver2"}) {
            var value = row.remove(key);
            if (value != null && !value.isNull()) {
                resolvers.add(value);
            }
        }
        row.set("resolvers", resolvers);
        var length = row.remove("prefixLength");
        if (row.path("type").asText().equals("ipv6")) {
            row.put("prefix", row.path("prefix").asText() + "/" + length.asInt());
            row.remove(List.of("netmask", "first", "last"));
        } else {
            row.remove(List.of("prefix", "subnetLength"));
            List<Long> addresses = jdbi.withHandle(h -> h.createQuery("SELECT a.address FROM ipv4_address a "
                            + "JOIN ip_block b ON b.id = a.block_id WHERE b.name = :name")
                    .bind("name", row.path("name").asText()).mapTo(String.class).list())
                    .stream().map(Addresses::ipv4ToLong).sorted().toList();
            if (!addresses.isEmpty()) {
                row.put("first", Addresses.longToIpv4(addresses.get(0)));
                row.put("last", Addresses.longToIpv4(addresses.get(addresses.size() - 1)));
            }
        }
        return row;
    }

    private static ObjectNode parseRuncmd(ObjectNode row) {
        try {
            row.set("runcmd", Json.MAPPER.readTree(row.path("runcmd").asText("[]")));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("template " + row.path("key").asText() + " has an unreadable runcmd column", e);
        }
        return row;
    }

    private static ObjectNode splitGroups(ObjectNode row) {
        String groups = row.path("templateGroups").asText("");
        var list = Json.array();
        if (!groups.isEmpty()) {
            for (String group : groups.split(",")) {
                list.add(group);
            }
        }
        row.set("templateGroups", list);
        return row;
    }
}
