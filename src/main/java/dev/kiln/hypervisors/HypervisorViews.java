package dev.kiln.hypervisors;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.Times;
import dev.kiln.http.Json;

/** VirtFusion's JSON shapes for hypervisors, groups and their resources. */
public final class HypervisorViews {

    private HypervisorViews() {
    }

    public static ObjectNode group(HypervisorGroup g) {
        ObjectNode out = Json.object();
        out.put("id", g.id());
        out.put("name", g.name());
        out.putNull("label");
        out.put("description", g.description());
        out.put("distributionType", g.distributionType());
        out.put("enabled", g.enabled());
        out.put("default", g.isDefault());
        out.put("created", Times.offset(g.created()));
        out.put("updated", Times.offset(g.updated()));
        return out;
    }

    public static ObjectNode hypervisor(Hypervisor h, HypervisorGroup g, Allocation used) {
        ObjectNode out = Json.object();
        out.put("id", h.id());
        out.put("commissioned", 3);
        out.put("ip", h.ip());
        out.putNull("ipAlt");
        out.putNull("hostname");
        out.put("port", 8892);
        out.put("sshPort", 22);
        out.put("name", h.name());
        out.put("maintenance", h.maintenance());
        out.put("enabled", h.enabled());
        out.put("nfType", 4);
        ObjectNode group = out.putObject("group");
        group.put("id", g.id());
        group.put("name", g.name());
        group.put("description", g.description());
        group.put("default", g.isDefault());
        group.put("enabled", g.enabled());
        group.put("distributionType", g.distributionType());
        group.put("created", Times.offset(g.created()));
        group.put("updated", Times.offset(g.updated()));
        out.put("maxServers", h.maxServers());
        out.put("maxCpu", h.maxCpuCores());
        out.put("maxMemory", h.maxMemoryMb());
        out.put("driver", h.connection().driver());
        out.set("networks", networks(h));
        out.putArray("storage");
        out.set("resources", resources(h, used));
        out.put("created", Times.offset(h.created()));
        out.put("updated", Times.offset(h.updated()));
        return out;
    }

    static com.fasterxml.jackson.databind.node.ArrayNode networks(Hypervisor h) {
        var networks = Json.array();
        if (h.connection().bridge() != null) {
            ObjectNode network = networks.addObject();
            network.put("id", h.id());
            network.put("type", "simpleBridge");
            network.put("bridge", h.connection().bridge());
            network.put("primary", true);
            network.put("default", true);
            network.put("created", Times.offset(h.created()));
            network.put("updated", Times.offset(h.updated()));
        }
        return networks;
    }

    /** Renders the {@code resources} object of a hypervisor from its stored allocation. */
    public static ObjectNode resources(Hypervisor h, Allocation used) {
        ObjectNode out = Json.object();
        ObjectNode servers = out.putObject("servers");
        servers.put("units", "#");
        servers.put("max", h.maxServers());
        servers.put("allocated", used.servers());
        servers.put("free", h.maxServers() - used.servers());
        if (h.maxServers() > 0) {
            servers.put("percent", percent(used.servers(), h.maxServers()));
        } else {
            servers.putNull("percent");
        }
        resource(out.putObject("memory"), "MB", h.maxMemoryMb(), used.memoryMb());
        resource(out.putObject("cpuCores"), "#", h.maxCpuCores(), used.cpuCores());
        ObjectNode storage = out.putObject("localStorage");
        storage.put("enabled", 1);
        storage.put("name", "Local (" + h.connection().storagePool() + " pool)");
        storage.put("storageType", 1);
        resource(storage, "GB", h.maxStorageGb(), used.storageGb());
        out.putArray("otherStorage");
        return out;
    }

    private static void resource(ObjectNode node, String units, long max, long allocated) {
        node.put("units", units);
        node.put("max", max);
        node.put("allocated", allocated);
        node.put("free", max - allocated);
        node.put("percent", percent(allocated, max));
    }

    private static double percent(long part, long whole) {
        return whole == 0 ? 0.0 : Math.round(part * 1000.0 / whole) / 10.0;
    }
}
