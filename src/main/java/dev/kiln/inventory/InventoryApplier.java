package dev.kiln.inventory;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.kiln.KilnException;
import dev.kiln.Times;
import dev.kiln.ValidationException;
import dev.kiln.http.Json;
import dev.kiln.hypervisors.HypervisorUsage;
import dev.kiln.network.Addresses;
import dev.kiln.network.NetworkStore;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies an inventory file in one transaction: inserts what is new, updates what changed,
 * and never deletes (servers may still use what a newer file leaves out).
 */
public final class InventoryApplier {

    private static final Logger LOG = LoggerFactory.getLogger(InventoryApplier.class);
    private static final Set<String> DRIVERS = Set.of("libvirt", "simulator");

    private final Jdbi jdbi;
    private final Clock clock;

    public InventoryApplier(Jdbi jdbi, Clock clock) {
        this.jdbi = jdbi;
        this.clock = clock;
    }

    public static Inventory read(InputStream yaml, String source) {
        try {
            ObjectMapper mapper = new ObjectMapper(new YAMLFactory()).enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
            Inventory inventory = mapper.readValue(yaml, Inventory.class);
            if (inventory == null) {
                throw new ValidationException("inventory " + source + " is empty");
            }
            return inventory;
        } catch (IOException e) {
            throw new ValidationException("inventory " + source + " could not be read: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    /** Applies the inventory and returns a one-line summary of what it contained. */
    public String apply(Inventory inventory) {
        return jdbi.inTransaction(h -> {
            OffsetDateTime now = Times.now(clock);
            for (Inventory.Group g : list(inventory.hypervisorGroups())) {
                applyGroup(h, g, now);
            }
            for (Inventory.HypervisorEntry hv : list(inventory.hypervisors())) {
                applyHypervisor(h, hv, now);
            }
            int addresses = 0;
            for (Inventory.IpBlockEntry block : list(inventory.ipBlocks())) {
                addresses += applyIpBlock(h, block, now);
            }
            for (Inventory.TemplateGroupEntry g : list(inventory.templateGroups())) {
                applyTemplateGroup(h, g, now);
            }
            for (Inventory.TemplateEntry t : list(inventory.templates())) {
                applyTemplate(h, t, now);
            }
            for (Inventory.PackageEntry p : list(inventory.packages())) {
                applyPackage(h, p, now);
            }
            String summary = list(inventory.hypervisorGroups()).size() + " groups, " + list(inventory.hypervisors()).size()
                    + " hypervisors, " + list(inventory.ipBlocks()).size() + " IP blocks (" + addresses + " new IPv4 addresses), "
                    + list(inventory.templates()).size() + " templates, " + list(inventory.packages()).size() + " packages";
            LOG.info("inventory applied: {}", summary);
            return summary;
        });
    }

    private void applyGroup(Handle h, Inventory.Group g, OffsetDateTime now) {
        String name = required(g.name(), "hypervisorGroups[].name");
        Optional<Long> id = idByName(h, "hypervisor_group", name);
        if (id.isPresent()) {
            h.createUpdate("UPDATE hypervisor_group SET description = :description, enabled = :enabled, is_default = :isDefault, "
                            + "updated = :now WHERE id = :id")
                    .bind("description", g.description()).bind("enabled", or(g.enabled(), true))
                    .bind("isDefault", or(g.isDefault(), false)).bind("now", now).bind("id", id.get()).execute();
        } else {
            h.createUpdate("INSERT INTO hypervisor_group (name, description, enabled, is_default, created, updated) "
                            + "VALUES (:name, :description, :enabled, :isDefault, :now, :now)")
                    .bind("name", name).bind("description", g.description()).bind("enabled", or(g.enabled(), true))
                    .bind("isDefault", or(g.isDefault(), false)).bind("now", now).execute();
        }
    }

    private void applyHypervisor(Handle h, Inventory.HypervisorEntry hv, OffsetDateTime now) {
        String name = required(hv.name(), "hypervisors[].name");
        String where = "hypervisor '" + name + "'";
        long groupId = idByName(h, "hypervisor_group", required(hv.group(), where + ": group"))
                .orElseThrow(() -> new ValidationException(where + ": group '" + hv.group() + "' is not defined in hypervisorGroups"));
        String driver = required(hv.driver(), where + ": driver");
        if (!DRIVERS.contains(driver)) {
            throw new ValidationException(where + ": driver '" + driver + "' is unknown; expected libvirt or simulator");
        }
        if (driver.equals("libvirt") && (hv.uri() == null || hv.uri().isBlank())) {
            throw new ValidationException(where + ": driver libvirt needs a uri such as qemu+ssh://root@HOST/system");
        }
        String domainType = or(hv.domainType(), "kvm");
        if (!Set.of("kvm", "qemu").contains(domainType)) {
            throw new ValidationException(where + ": domainType '" + domainType + "' is unknown; expected kvm or qemu");
        }
        Inventory.Resources r = hv.resources();
        if (r == null || r.memoryMb() == null || r.cpuCores() == null || r.storageGb() == null) {
            throw new ValidationException(where + ": resources.memoryMb, resources.cpuCores and resources.storageGb are required");
        }
        positive(r.memoryMb(), where + ": resources.memoryMb");
        positive(r.cpuCores(), where + ": resources.cpuCores");
        positive(r.storageGb(), where + ": resources.storageGb");
        int builds = or(hv.maxConcurrentBuilds(), 2);
        positive(builds, where + ": maxConcurrentBuilds");
        int delay = hv.simulator() == null ? 0 : or(hv.simulator().delayMs(), 0);

        Optional<Long> id = idByName(h, "hypervisor", name);
        String sql = id.isPresent()
                ? "UPDATE hypervisor SET group_id = :group, driver = :driver, uri = :uri, ip = :ip, storage_pool = :pool, "
                        + "domain_type = :domainType, bridge = :bridge, full_copy_disks = :fullCopy, console_log_dir = :consoleLogDir, "
                        + "data_dir = :dataDir, max_memory_mb = :memory, max_cpu_cores = :cpu, max_storage_gb = :storage, "
                        + "max_servers = :servers, max_concurrent_builds = :builds, simulator_delay_ms = :delay, enabled = :enabled, "
                        + "maintenance = :maintenance, updated = :now WHERE id = :id"
                : "INSERT INTO hypervisor (name, group_id, driver, uri, ip, storage_pool, domain_type, bridge, full_copy_disks, "
                        + "console_log_dir, data_dir, max_memory_mb, max_cpu_cores, max_storage_gb, max_servers, max_concurrent_builds, "
                        + "simulator_delay_ms, enabled, maintenance, created, updated) VALUES (:name, :group, :driver, :uri, :ip, "
                        + ":pool, :domainType, :bridge, :fullCopy, :consoleLogDir, :dataDir, :memory, :cpu, :storage, :servers, "
                        + ":builds, :delay, :enabled, :maintenance, :now, :now)";
        h.createUpdate(sql)
                .bind("id", id.orElse(null)).bind("name", name).bind("group", groupId).bind("driver", driver).bind("uri", hv.uri())
                .bind("ip", hv.ip()).bind("pool", or(hv.storagePool(), "default")).bind("domainType", domainType)
                .bind("bridge", hv.bridge()).bind("fullCopy", or(hv.fullCopyDisks(), false)).bind("consoleLogDir", hv.consoleLogDir())
                .bind("dataDir", or(hv.dataDir(), "/var/lib/libvirt/images")).bind("memory", r.memoryMb()).bind("cpu", r.cpuCores())
                .bind("storage", r.storageGb()).bind("servers", or(r.maxServers(), 0)).bind("builds", builds).bind("delay", delay)
                .bind("enabled", or(hv.enabled(), true)).bind("maintenance", or(hv.maintenance(), false)).bind("now", now)
                .execute();
        if (id.isEmpty()) {
            HypervisorUsage.insertEmpty(h, idByName(h, "hypervisor", name).orElseThrow());
        }
    }

    /** Creates or updates the block; returns how many IPv4 addresses were new. */
    private int applyIpBlock(Handle h, Inventory.IpBlockEntry b, OffsetDateTime now) {
        String name = required(b.name(), "ipBlocks[].name");
        String where = "IP block '" + name + "'";
        long groupId = idByName(h, "hypervisor_group", required(b.group(), where + ": group"))
                .orElseThrow(() -> new ValidationException(where + ": group '" + b.group() + "' is not defined in hypervisorGroups"));
        List<String> resolvers = list(b.resolvers());
        String type = required(b.type(), where + ": type");
        int version;
        String prefix = null;
        Integer prefixLength = null;
        Integer subnetLength = null;
        if (type.equals("ipv4")) {
            version = 4;
            Addresses.prefixLength(required(b.netmask(), where + ": netmask"));
            Addresses.ipv4ToLong(required(b.gateway(), where + ": gateway"));
        } else if (type.equals("ipv6")) {
            version = 6;
            String cidr = required(b.prefix(), where + ": prefix");
            String[] parts = cidr.split("/");
            if (parts.length != 2) {
                throw new ValidationException(where + ": prefix '" + cidr + "' must be in CIDR form such as 2001:db8::/48");
            }
            prefix = Addresses.bigIntegerToIpv6(Addresses.ipv6ToBigInteger(parts[0]));
            prefixLength = Integer.parseInt(parts[1]);
            subnetLength = or(b.subnetLength(), 64);
            if (prefixLength < 8 || prefixLength >= subnetLength || subnetLength > 128) {
                throw new ValidationException(where + ": prefix length " + prefixLength + " and subnetLength " + subnetLength
                        + " must satisfy 8 <= prefix < subnetLength <= 128");
            }
        } else {
            throw new ValidationException(where + ": type '" + type + "' is unknown; expected ipv4 or ipv6");
        }

        Optional<Long> existing = idByName(h, "ip_block", name);
        String sql = existing.isPresent()
                ? "UPDATE ip_block SET group_id = :group, ip_version = :version, gateway = :gateway, netmask = :netmask, "
                        + "ipv6_prefix = :prefix, ipv6_prefix_len = :prefixLen, ipv6_subnet_len = :subnetLen, resolver1 = :r1, "
                        + "resolver2 = :r2, enabled = :enabled, updated = :now WHERE id = :id"
                : "INSERT INTO ip_block (name, group_id, ip_version, gateway, netmask, ipv6_prefix, ipv6_prefix_len, "
                        + "ipv6_subnet_len, resolver1, resolver2, enabled, created, updated) VALUES (:name, :group, :version, :gateway, "
                        + ":netmask, :prefix, :prefixLen, :subnetLen, :r1, :r2, :enabled, :now, :now)";
        h.createUpdate(sql).bind("id", existing.orElse(null)).bind("name", name).bind("group", groupId).bind("version", version)
                .bind("gateway", b.gateway()).bind("netmask", b.netmask()).bind("prefix", prefix).bind("prefixLen", prefixLength)
                .bind("subnetLen", subnetLength).bind("r1", resolvers.isEmpty() ? null : resolvers.get(0))
                .bind("r2", resolvers.size() < 2 ? null : resolvers.get(1)).bind("enabled", or(b.enabled(), true))
                .bind("now", now).execute();
        long blockId = idByName(h, "ip_block", name).orElseThrow();
        return version == 4 ? addRange(h, blockId, where, b) : 0;
    }

    private int addRange(Handle h, long blockId, String where, Inventory.IpBlockEntry b) {
        long first = Addresses.ipv4ToLong(required(b.first(), where + ": first"));
        long last = Addresses.ipv4ToLong(required(b.last(), where + ": last"));
        return new NetworkStore().addIpv4Range(h, blockId, first, last, Addresses.ipv4ToLong(b.gateway()),
                Addresses.prefixLength(b.netmask()));
    }

    private void applyTemplateGroup(Handle h, Inventory.TemplateGroupEntry g, OffsetDateTime now) {
        String name = required(g.name(), "templateGroups[].name");
        Optional<Long> id = idByName(h, "template_group", name);
        String sql = id.isPresent()
                ? "UPDATE template_group SET description = :description, icon = :icon, updated = :now WHERE id = :id"
                : "INSERT INTO template_group (name, description, icon, created, updated) VALUES (:name, :description, :icon, :now, :now)";
        h.createUpdate(sql).bind("id", id.orElse(null)).bind("name", name).bind("description", g.description())
                .bind("icon", g.icon()).bind("now", now).execute();
    }

    private void applyTemplate(Handle h, Inventory.TemplateEntry t, OffsetDateTime now) {
        String key = required(t.key(), "templates[].key");
        String where = "template '" + key + "'";
        if (!key.matches("[a-z0-9][a-z0-9._-]{0,63}")) {
            throw new ValidationException(where + ": key must be 1 to 64 lower-case letters, digits, dots, hyphens or underscores");
        }
        long groupId = idByName(h, "template_group", required(t.group(), where + ": group"))
                .orElseThrow(() -> new ValidationException(where + ": group '" + t.group() + "' is not defined in templateGroups"));
        String source = required(t.source(), where + ": source");
        if (!source.startsWith("https://") && !source.startsWith("http://") && !source.startsWith("file:")) {
            throw new ValidationException(where + ": source '" + source + "' must be an http(s) or file: URL");
        }
        String runcmd = Json.MAPPER.valueToTree(list(t.runcmd())).toString();
        Optional<Long> id = h.createQuery("SELECT id FROM os_template WHERE template_key = :key").bind("key", key)
                .mapTo(Long.class).findOne();
        String sql = id.isPresent()
                ? "UPDATE os_template SET group_id = :group, name = :name, version = :version, variant = :variant, arch = :arch, "
                        + "os_type = :type, description = :description, icon = :icon, source_url = :source, runcmd = :runcmd, "
                        + "vnc = :vnc, eol = :eol, enabled = :enabled, updated = :now WHERE id = :id"
                : "INSERT INTO os_template (template_key, group_id, name, version, variant, arch, os_type, description, icon, "
                        + "source_url, runcmd, vnc, eol, enabled, created, updated) VALUES (:key, :group, :name, :version, :variant, "
                        + ":arch, :type, :description, :icon, :source, :runcmd, :vnc, :eol, :enabled, :now, :now)";
        h.createUpdate(sql).bind("id", id.orElse(null)).bind("key", key).bind("group", groupId)
                .bind("name", required(t.name(), where + ": name")).bind("version", t.version()).bind("variant", t.variant())
                .bind("arch", or(t.arch(), 1)).bind("type", or(t.type(), "linux")).bind("description", t.description())
                .bind("icon", t.icon()).bind("source", source).bind("runcmd", runcmd).bind("vnc", or(t.vnc(), false))
                .bind("eol", or(t.eol(), false)).bind("enabled", or(t.enabled(), true)).bind("now", now).execute();
    }

    private void applyPackage(Handle h, Inventory.PackageEntry p, OffsetDateTime now) {
        String name = required(p.name(), "packages[].name");
        String where = "package '" + name + "'";
        positive(p.memoryMb(), where + ": memoryMb");
        positive(p.cpuCores(), where + ": cpuCores");
        positive(p.primaryStorageGb(), where + ": primaryStorageGb");
        List<Long> groups = new ArrayList<>();
        for (String group : list(p.templateGroups())) {
            groups.add(idByName(h, "template_group", group)
                    .orElseThrow(() -> new ValidationException(where + ": template group '" + group + "' is not defined")));
        }
        Optional<Long> id = idByName(h, "package", name);
        String sql = id.isPresent()
                ? "UPDATE package SET description = :description, enabled = :enabled, memory_mb = :memory, cpu_cores = :cpu, "
                        + "primary_storage_gb = :storage, traffic_gb = :traffic, network_speed_in = :in, network_speed_out = :out, "
                        + "updated = :now WHERE id = :id"
                : "INSERT INTO package (name, description, enabled, memory_mb, cpu_cores, primary_storage_gb, traffic_gb, "
                        + "network_speed_in, network_speed_out, created, updated) VALUES (:name, :description, :enabled, :memory, "
                        + ":cpu, :storage, :traffic, :in, :out, :now, :now)";
        h.createUpdate(sql).bind("id", id.orElse(null)).bind("name", name).bind("description", p.description())
                .bind("enabled", or(p.enabled(), true)).bind("memory", p.memoryMb()).bind("cpu", p.cpuCores())
                .bind("storage", p.primaryStorageGb()).bind("traffic", or(p.trafficGb(), 0)).bind("in", or(p.networkSpeedIn(), 0))
                .bind("out", or(p.networkSpeedOut(), 0)).bind("now", now).execute();
        long packageId = idByName(h, "package", name).orElseThrow();
        h.createUpdate("DELETE FROM package_template_group WHERE package_id = :id").bind("id", packageId).execute();
        for (Long group : groups) {
            h.createUpdate("INSERT INTO package_template_group (package_id, template_group_id) VALUES (:package, :group)")
                    .bind("package", packageId).bind("group", group).execute();
        }
    }

    private static Optional<Long> idByName(Handle h, String table, String name) {
        return h.createQuery("SELECT id FROM " + table + " WHERE name = :name").bind("name", name).mapTo(Long.class).findOne();
    }

    private static String required(String value, String what) {
        if (value == null || value.isBlank()) {
            throw new ValidationException("inventory: " + what + " is required");
        }
        return value;
    }

    private static void positive(Integer value, String what) {
        if (value == null || value <= 0) {
            throw new ValidationException("inventory: " + what + " must be a positive integer (got " + value + ")");
        }
    }

    private static <T> T or(T value, T fallback) {
        return value == null ? fallback : value;
    }

    private static <T> List<T> list(List<T> items) {
        return items == null ? List.of() : items;
    }
}
