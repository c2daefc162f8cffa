package dev.kiln.servers;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.Times;
import dev.kiln.hypervisors.HypervisorViews;
import dev.kiln.hypervisors.RemoteState;
import dev.kiln.http.Json;
import dev.kiln.network.Ipv4Address;
import dev.kiln.network.Ipv6Subnet;
import dev.kiln.users.SshKey;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * VirtFusion's full server object. Values come from {@link ServerDetails}; the fields Kiln has no
 * feature behind (self service, elevation, Hyper-V enlightenments, custom XML, backups) carry
 * VirtFusion's defaults for a fresh server, so typed clients find every key with its usual type.
 */
public final class ServerView {

    private static final DateTimeFormatter PERIOD = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'");
    private static final DateTimeFormatter TASK_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    private final Clock clock;

    public ServerView(Clock clock) {
        this.clock = clock;
    }

    /**
     * Renders the server.
     *
     * @param decryptedPassword the root password to show once (build, resetPassword), or null
     * @param remoteState live state for {@code ?remoteState=true}, or null for {@code false}
     */
    public ObjectNode render(ServerDetails d, String decryptedPassword, RemoteState remoteState, boolean includeRemoteState) {
        Server s = d.server();
        ObjectNode out = Json.object();
        out.put("id", s.id());
        out.put("ownerId", s.ownerId());
        out.put("hypervisorId", s.hypervisorId());
        out.put("arch", 1);
        out.put("name", s.name());
        out.put("selfService", 0);
        out.putArray("selfServiceSettings");
        putText(out, "hostname", s.hostname());
        out.put("commissionStatus", s.commissionStatus());
        out.put("uuid", s.uuid());
        out.put("state", s.state());
        out.put("migratable", true);
        out.put("timezone", "_default");
        out.put("migrateLevel", 0);
        out.put("deleteLevel", 0);
        out.put("configLevel", s.commissionStatus() == Server.CREATED ? 0 : 1);
        out.put("backupLevel", 0);
        out.put("elevated", false);
        out.putNull("elevateId");
        out.put("elevate", false);
        out.put("destroyable", !s.isProtected());
        out.put("rebuild", false);
        out.put("suspended", s.suspended());
        out.put("protected", s.isProtected());
        out.put("buildFailed", s.buildFailed());
        out.put("primaryNetworkDhcp4", false);
        out.put("primaryNetworkDhcp6", false);
        putText(out, "built", Times.offset(s.built()));
        out.put("created", Times.offset(s.created()));
        out.put("updated", Times.offset(s.updated()));
        out.set("traffic", traffic(s));
        out.set("settings", settings(d, decryptedPassword));
        out.set("cpu", cpu(s));
        out.set("customXML", customXml(s));
        out.putArray("qemuCommandline");
        // NOTE: VirtFusion's guest agent also reports a console screenshot (qemuAgent.os.screen);
        // Kiln runs no guest agent yet, so the object stays empty.
        out.putObject("qemuAgent").putObject("os");
        out.set("os", os(d));
        out.set("media", media());
        ObjectNode backupPlan = out.putObject("backupPlan");
        if (s.backupPlanId() == null) {
            backupPlan.putNull("id");
        } else {
            backupPlan.put("id", s.backupPlanId());
        }
        // NOTE: Kiln has no backup plan catalog yet, so a plan is known by its id alone.
        backupPlan.putNull("name");
        ObjectNode vnc = out.putObject("vnc");
        putText(vnc, "ip", d.hypervisor().ip());
        vnc.put("port", s.vncPort());
        vnc.put("enabled", s.vncEnabled());
        out.set("network", network(d));
        out.set("storage", storage(d));
        out.putArray("hypervisorAssets");
        out.set("hypervisor", hypervisor(d));
        out.set("owner", owner(d));
        out.set("sshKeys", sshKeys(d));
        out.putArray("sharedUsers");
        out.set("tasks", tasks(d));
        if (includeRemoteState) {
            if (remoteState == null) {
                out.put("remoteState", false);
            } else {
                out.set("remoteState", remoteState(remoteState));
            }
        }
        return out;
    }

    private ObjectNode traffic(Server s) {
        OffsetDateTime now = OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC);
        OffsetDateTime anchor = s.created().withOffsetSameInstant(ZoneOffset.UTC).toLocalDate().atStartOfDay().atOffset(ZoneOffset.UTC);
        long months = java.time.temporal.ChronoUnit.MONTHS.between(anchor, now);
        OffsetDateTime start = anchor.plusMonths(Math.max(0, months));
        if (start.isAfter(now)) {
            start = start.minusMonths(1);
        }
        OffsetDateTime end = start.plusMonths(1).minusNanos(1000);
        ObjectNode out = Json.object();
        ObjectNode pub = out.putObject("public");
        pub.put("countMethod", 1);
        ObjectNode period = pub.putObject("currentPeriod");
        period.put("start", PERIOD.format(start));
        period.put("end", PERIOD.format(end));
        period.put("limit", s.trafficGb());
        return out;
    }

    private static ObjectNode settings(ServerDetails d, String decryptedPassword) {
        Server s = d.server();
        ObjectNode out = Json.object();
        out.put("osTemplateInstall", true);
        out.put("osTemplateInstallId", s.osTemplateId() == null ? 0 : s.osTemplateId());
        putText(out, "encryptedPassword", s.encryptedPassword());
        out.putNull("backupPlan");
        out.put("uefi", false);
        out.put("uefiType", 0);
        out.put("cloudInit", true);
        out.put("cloudInitType", 1);
        // Always an object, so typed clients see one type; without a template the runcmd list is empty.
        ObjectNode cloudInit = out.putObject("config").putObject("cloud.init");
        ArrayNode runcmd = cloudInit.putObject("on.all").putObject("user.data").putArray("runcmd");
        if (d.template() != null) {
            d.template().runcmd().forEach(runcmd::add);
        }
        cloudInit.putObject("on.password").putArray("user.data");
        cloudInit.putObject("on.sshkey").putArray("user.data");
        cloudInit.putObject("on.allpre").putArray("user.data");
        cloudInit.putObject("on.allpost").putArray("user.data");
        cloudInit.putArray("on.network");
        cloudInit.putArray("on.network.libvirtrouted");
        out.putArray("userConfig");
        out.putArray("bootOrder").add("hd").add("cdrom");
        out.put("tpmType", 0);
        out.put("networkBoot", false);
        out.put("bootMenu", 1);
        out.put("customISO", 1);
        out.put("securityDriver", 3);
        ObjectNode balloon = out.putObject("memBalloon");
        balloon.put("model", 1);
        balloon.put("autoDeflate", 0);
        balloon.put("freePageReporting", 0);
        out.set("hyperv", hyperv());
        ObjectNode flags = out.putObject("extended").putObject("cpuFlags");
        flags.put("topoext", "1");
        flags.put("svm", "1");
        flags.put("vmx", "1");
        out.put("machineType", "inherit");
        out.put("pciPorts", 16);
        ObjectNode resources = out.putObject("resources");
        resources.put("memory", s.memoryMb());
        resources.put("storage", s.storageGb());
        resources.put("traffic", s.trafficGb());
        resources.put("cpuCores", s.cpuCores());
        if (decryptedPassword != null) {
            out.put("decryptedPassword", decryptedPassword);
        }
        return out;
    }

    private static ObjectNode hyperv() {
        ObjectNode out = Json.object();
        out.put("enabled", false);
        out.put("passthrough", false);
        for (String flag : new String[] {"relaxed", "vapic", "spinlocks", "vpindex", "runtime", "synic", "stimer", "reset",
                "vendorId", "frequencies", "reenlightenment", "tlbflush", "ipi", "evmcs"}) {
            out.put(flag, 0);
        }
        out.put("vendorIdValue", "KVM VM");
        out.put("spinlocksValue", 8191);
        out.put("clockEnabled", 0);
        return out;
    }

    private static ObjectNode cpu(Server s) {
        ObjectNode out = Json.object();
        out.put("cores", s.cpuCores());
        out.put("type", "inherit");
        out.put("typeExact", "host-model");
        out.put("shares", 1024);
        out.put("throttle", s.cpuThrottle());
        ObjectNode topology = out.putObject("topology");
        topology.put("enabled", false);
        topology.put("sockets", 1);
        topology.put("cores", s.cpuCores());
        topology.put("threads", 1);
        topology.put("dies", 1);
        return out;
    }

    private static ObjectNode customXml(Server s) {
        ObjectNode stored = SettingsRoutes.customXml(s);
        ObjectNode out = Json.object();
        for (String part : SettingsRoutes.XML_PARTS) {
            ObjectNode entry = out.putObject(part);
            entry.put("xml", stored.path(part).path("xml").asText(""));
            entry.put("enabled", stored.path(part).path("enabled").asBoolean(false));
        }
        return out;
    }

    private static ObjectNode os(ServerDetails d) {
        ObjectNode out = Json.object();
        if (d.template() == null) {
            out.putNull("templateId");
            out.putNull("templateName");
        } else {
            out.put("templateId", d.template().id());
            out.put("templateName", d.template().displayName());
        }
        return out;
    }

    private static ObjectNode media() {
        ObjectNode out = Json.object();
        out.put("isoMounted", false);
        out.put("isoType", "local");
        out.put("isoName", "");
        out.put("isoFilename", "");
        out.put("isoUrl", "");
        out.put("isoDownload", false);
        return out;
    }

    private static ObjectNode network(ServerDetails d) {
        Server s = d.server();
        ObjectNode out = Json.object();
        ObjectNode nic = out.putArray("interfaces").addObject();
        nic.put("id", s.id());
        nic.put("order", 1);
        nic.put("enabled", true);
        nic.put("tag", Long.parseLong(s.mac().replace(":", "").substring(4), 16));
        nic.put("name", "eth0");
        nic.put("type", "public");
        nic.put("driver", 1);
        nic.putNull("processQueues");
        nic.put("mac", s.mac().toUpperCase(java.util.Locale.ROOT));
        nic.putNull("ipv4ToMac");
        nic.putNull("ipv6ToMac");
        nic.put("inTrafficCount", true);
        nic.put("outTrafficCount", false);
        nic.put("inAverage", s.networkSpeedIn());
        nic.put("inPeak", 0);
        nic.put("inBurst", 0);
        nic.put("outAverage", s.networkSpeedOut());
        nic.put("outPeak", 0);
        nic.put("outBurst", 0);
        nic.put("ipFilter", true);
        nic.putArray("vlans");
        nic.put("ipFilterType", "4");
        nic.put("portIsolated", false);
        nic.put("ipv4_resolver_1", 1);
        nic.put("ipv4_resolver_2", 2);
        nic.put("ipv6_resolver_1", 1);
        nic.put("ipv6_resolver_2", 2);
        nic.put("networkProfile", 0);
        nic.put("dhcpV4", 0);
        nic.put("dhcpV6", 0);
        nic.put("firewallEnabled", false);
        nic.put("hypervisorNetwork", d.hypervisor().id());
        nic.put("isNat", false);
        nic.put("nat", false);
        nic.putArray("firewall");
        ObjectNode connectivity = nic.putObject("hypervisorConnectivity");
        connectivity.put("id", d.hypervisor().id());
        connectivity.put("type", "simpleBridge");
        putText(connectivity, "bridge", d.hypervisor().connection().bridge());
        connectivity.putNull("mtu");
        connectivity.put("primary", true);
        connectivity.put("default", true);
        nic.set("ipWhitelist", AddressRoutes.whitelist(s));
        nic.putArray("actions");
        ArrayNode ipv4 = nic.putArray("ipv4");
        for (Ipv4Address a : d.ipv4()) {
            ObjectNode entry = ipv4.addObject();
            entry.put("id", a.id());
            entry.put("order", a.position());
            entry.put("enabled", true);
            entry.put("blockId", a.blockId());
            entry.put("address", a.address());
            entry.put("gateway", a.gateway());
            entry.put("netmask", a.netmask());
            putText(entry, "resolver1", a.resolver1());
            putText(entry, "resolver2", a.resolver2());
            putText(entry, "rdns", a.rdns());
            entry.putNull("mac");
        }
        ArrayNode ipv6 = nic.putArray("ipv6");
        int order = 1;
        for (Ipv6Subnet subnet : d.ipv6()) {
            ObjectNode entry = ipv6.addObject();
            entry.put("id", subnet.id());
            entry.put("order", order++);
            entry.put("enabled", true);
            entry.put("blockId", subnet.blockId());
            entry.put("subnet", subnet.subnet());
            entry.put("cidr", subnet.prefixLength());
            entry.putArray("addresses").add(subnet.address());
            putText(entry, "gateway", subnet.gateway());
            putText(entry, "resolver1", subnet.resolver1());
            putText(entry, "resolver2", subnet.resolver2());
        }
        out.putArray("secondaryInterfaces");
        return out;
    }

    private static ArrayNode storage(ServerDetails d) {
        ArrayNode out = Json.array();
        Server s = d.server();
        int index = 1;
        for (Disk disk : d.disks()) {
            ObjectNode entry = out.addObject();
            entry.put("_id", disk.id());
            entry.put("id", index);
            entry.putNull("cache");
            entry.putNull("bus");
            entry.put("capacity", disk.capacityGb());
            entry.put("drive", disk.drive());
            entry.putNull("datastoreDiskId");
            entry.putNull("filesystem");
            ObjectNode iops = entry.putObject("iops");
            iops.putNull("read");
            iops.putNull("write");
            ObjectNode bytes = entry.putObject("bytes");
            bytes.putNull("read");
            bytes.putNull("write");
            entry.put("type", disk.type());
            entry.put("profile", 0);
            entry.put("status", disk.status());
            entry.put("enabled", true);
            entry.put("primary", index == 1);
            entry.put("created", Times.offset(disk.created()));
            entry.put("updated", Times.offset(disk.updated()));
            entry.putArray("datastore");
            String volume = s.uuid() + "_" + index;
            entry.put("name", volume);
            entry.put("filename", volume + ".img");
            entry.putNull("hypervisorStorageId");
            entry.put("local", true);
            entry.put("locationType", "pool");
            entry.put("path", d.hypervisor().dataDir());
            index++;
        }
        return out;
    }

    private static ObjectNode hypervisor(ServerDetails d) {
        var h = d.hypervisor();
        ObjectNode out = Json.object();
        out.put("id", h.id());
        putText(out, "ip", h.ip());
        out.putNull("hostname");
        out.put("port", 8892);
        out.put("maintenance", h.maintenance());
        out.put("groupId", h.groupId());
        ObjectNode group = out.putObject("group");
        group.put("name", d.group().name());
        group.putNull("icon");
        out.put("timezone", "UTC");
        out.put("forceIPv6", false);
        out.put("vncListenType", 1);
        out.putNull("displayName");
        out.putNull("cpuSet");
        out.put("nfType", 4);
        out.put("backupStorageType", 2);
        out.put("defaultDiskType", "inherit");
        out.put("defaultDiskCacheType", "inherit");
        out.put("defaultCPU", "inherit");
        out.put("defaultMachineType", "inherit");
        out.put("created", Times.offset(h.created()));
        out.put("updated", Times.offset(h.updated()));
        out.put("name", h.name());
        out.put("dataDir", h.dataDir());
        out.putObject("settings").put("state", !h.enabled() ? "disabled" : h.maintenance() ? "maintenance" : "online");
        out.set("resources", HypervisorViews.resources(h, d.hypervisorAllocation()));
        return out;
    }

    private static ObjectNode owner(ServerDetails d) {
        var u = d.owner();
        ObjectNode out = Json.object();
        out.put("id", u.id());
        out.put("admin", u.admin());
        if (u.extRelationId() == null) {
            out.putNull("extRelationId");
        } else {
            out.put("extRelationId", u.extRelationId());
        }
        out.put("name", u.name());
        out.put("email", u.email());
        out.put("timezone", u.timezone());
        out.put("suspended", u.suspended());
        out.put("twoFactorAuth", false);
        out.put("created", Times.offset(u.created()));
        out.put("updated", Times.offset(u.updated()));
        return out;
    }

    private static ArrayNode sshKeys(ServerDetails d) {
        ArrayNode out = Json.array();
        for (SshKey k : d.sshKeys()) {
            ObjectNode entry = out.addObject();
            entry.put("id", k.id());
            entry.put("ownerId", k.userId());
            entry.put("type", k.type());
            entry.put("name", k.name());
            entry.put("public", k.publicKey());
            entry.put("enabled", k.enabled());
            entry.put("created", Times.offset(k.created()));
        }
        return out;
    }

    private static ObjectNode tasks(ServerDetails d) {
        ObjectNode out = Json.object();
        out.put("active", d.server().lockedQueueId() != null);
        putText(out, "lastOn", d.lastTaskOn() == null ? null
                : TASK_TIME.format(d.lastTaskOn().withOffsetSameInstant(ZoneOffset.UTC)));
        out.putObject("actions").putArray("pending");
        return out;
    }

    private static ObjectNode remoteState(RemoteState r) {
        ObjectNode out = Json.object();
        out.put("running", r.running());
        out.put("state", r.status().word());
        out.put("cpu", r.cpuTimeNs());
        ObjectNode memory = out.putObject("memory");
        memory.put("actual", r.memoryActualKib());
        memory.put("unused", r.memoryUnusedKib());
        memory.put("available", r.memoryAvailableKib());
        memory.put("rss", r.memoryRssKib());
        ObjectNode vda = out.putObject("disk").putObject("vda");
        vda.put("rd.bytes", r.diskReadBytes());
        vda.put("wr.bytes", r.diskWriteBytes());
        return out;
    }

    private static void putText(ObjectNode node, String key, String value) {
        if (value == null) {
            node.putNull(key);
        } else {
            node.put(key, value);
        }
    }
}
