package dev.kiln.servers;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.TokenBuffer;
import dev.kiln.Times;
import dev.kiln.hypervisors.HypervisorViews;
import dev.kiln.hypervisors.RemoteState;
import dev.kiln.http.Json;
import dev.kiln.network.Ipv4Address;
import dev.kiln.network.Ipv6Subnet;
import dev.kiln.users.SshKey;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * VirtFusion's full server object. Values come from {@link ServerDetails}; the fields Kiln has no
 * feature behind (self service, elevation, Hyper-V enlightenments, custom XML, backups) carry
 * VirtFusion's defaults for a fresh server, so typed clients find every key with its usual type.
 *
 * <p>The object is written straight to a {@link JsonGenerator}, because in a JFR profile of
 * {@code GET /servers/{id}} building a tree of nodes first took about as much CPU as writing the
 * 5 KB of JSON.
 */
public final class ServerView {

    private static final DateTimeFormatter PERIOD = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'");
    private static final DateTimeFormatter TASK_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    private static final String[] HYPERV_FLAGS = {"relaxed", "vapic", "spinlocks", "vpindex", "runtime", "synic", "stimer",
        "reset", "vendorId", "frequencies", "reenlightenment", "tlbflush", "ipi", "evmcs"};

    private final Clock clock;

    public ServerView(Clock clock) {
        this.clock = clock;
    }

    /**
     * Writes the server as one JSON object.
     *
     * @param decryptedPassword the root password to show once (build, resetPassword), or null
     * @param remoteState live state for {@code ?remoteState=true}, or null for {@code false}
     */
    public void write(JsonGenerator g, ServerDetails d, String decryptedPassword, RemoteState remoteState,
            boolean includeRemoteState) throws IOException {
        Server s = d.server();
        g.writeStartObject();
        g.writeNumberField("id", s.id());
        g.writeNumberField("ownerId", s.ownerId());
        g.writeNumberField("hypervisorId", s.hypervisorId());
        g.writeNumberField("arch", 1);
        g.writeStringField("name", s.name());
        g.writeNumberField("selfService", 0);
        emptyArray(g, "selfServiceSettings");
        g.writeStringField("hostname", s.hostname());
        g.writeNumberField("commissionStatus", s.commissionStatus());
        g.writeStringField("uuid", s.uuid());
        g.writeStringField("state", s.state());
        g.writeBooleanField("migratable", true);
        g.writeStringField("timezone", "_default");
        g.writeNumberField("migrateLevel", 0);
        g.writeNumberField("deleteLevel", 0);
        g.writeNumberField("configLevel", s.commissionStatus() == Server.CREATED ? 0 : 1);
        g.writeNumberField("backupLevel", 0);
        g.writeBooleanField("elevated", false);
        g.writeNullField("elevateId");
        g.writeBooleanField("elevate", false);
        g.writeBooleanField("destroyable", !s.isProtected());
        g.writeBooleanField("rebuild", false);
        g.writeBooleanField("suspended", s.suspended());
        g.writeBooleanField("protected", s.isProtected());
        g.writeBooleanField("buildFailed", s.buildFailed());
        g.writeBooleanField("primaryNetworkDhcp4", false);
        g.writeBooleanField("primaryNetworkDhcp6", false);
        g.writeStringField("built", Times.offset(s.built()));
        g.writeStringField("created", Times.offset(s.created()));
        g.writeStringField("updated", Times.offset(s.updated()));
        traffic(g, s);
        settings(g, d, decryptedPassword);
        cpu(g, s);
        customXml(g, s);
        emptyArray(g, "qemuCommandline");
        // NOTE: VirtFusion's guest agent also reports a console screenshot (qemuAgent.os.screen);
        // Kiln runs no guest agent yet, so the object stays empty.
        g.writeObjectFieldStart("qemuAgent");
        emptyObject(g, "os");
        g.writeEndObject();
        os(g, d);
        media(g);
        g.writeObjectFieldStart("backupPlan");
        if (s.backupPlanId() == null) {
            g.writeNullField("id");
        } else {
            g.writeNumberField("id", s.backupPlanId());
        }
        // NOTE: Kiln has no backup plan catalog yet, so a plan is known by its id alone.
        g.writeNullField("name");
        g.writeEndObject();
        g.writeObjectFieldStart("vnc");
        g.writeStringField("ip", d.hypervisor().ip());
        g.writeNumberField("port", s.vncPort());
        g.writeBooleanField("enabled", s.vncEnabled());
        g.writeEndObject();
        network(g, d);
        storage(g, d);
        emptyArray(g, "hypervisorAssets");
        hypervisor(g, d);
        owner(g, d);
        sshKeys(g, d);
        emptyArray(g, "sharedUsers");
        tasks(g, d);
        if (includeRemoteState) {
            if (remoteState == null) {
                g.writeBooleanField("remoteState", false);
            } else {
                remoteState(g, remoteState);
            }
        }
        g.writeEndObject();
    }

    /** Returns the server as a tree, for responses that hold it among other values. */
    public ObjectNode render(ServerDetails d, String decryptedPassword, RemoteState remoteState, boolean includeRemoteState) {
        try (TokenBuffer buffer = new TokenBuffer(Json.MAPPER, false)) {
            write(buffer, d, decryptedPassword, remoteState, includeRemoteState);
            return Json.MAPPER.readTree(buffer.asParser());
        } catch (IOException e) {
            throw new UncheckedIOException("server " + d.server().id() + " could not be rendered", e);
        }
    }

    private void traffic(JsonGenerator g, Server s) throws IOException {
        OffsetDateTime now = OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC);
        OffsetDateTime anchor = s.created().withOffsetSameInstant(ZoneOffset.UTC).toLocalDate().atStartOfDay().atOffset(ZoneOffset.UTC);
        long months = java.time.temporal.ChronoUnit.MONTHS.between(anchor, now);
        OffsetDateTime start = anchor.plusMonths(Math.max(0, months));
        if (start.isAfter(now)) {
            start = start.minusMonths(1);
        }
        OffsetDateTime end = start.plusMonths(1).minusNanos(1000);

        g.writeObjectFieldStart("traffic");
        g.writeObjectFieldStart("public");
        g.writeNumberField("countMethod", 1);
        g.writeObjectFieldStart("currentPeriod");
        g.writeStringField("start", PERIOD.format(start));
        g.writeStringField("end", PERIOD.format(end));
        g.writeNumberField("limit", s.trafficGb());
        g.writeEndObject();
        g.writeEndObject();
        g.writeEndObject();
    }

    private static void settings(JsonGenerator g, ServerDetails d, String decryptedPassword) throws IOException {
        Server s = d.server();
        g.writeObjectFieldStart("settings");
        g.writeBooleanField("osTemplateInstall", true);
        g.writeNumberField("osTemplateInstallId", s.osTemplateId() == null ? 0 : s.osTemplateId());
        g.writeStringField("encryptedPassword", s.encryptedPassword());
        g.writeNullField("backupPlan");
        g.writeBooleanField("uefi", false);
        g.writeNumberField("uefiType", 0);
        g.writeBooleanField("cloudInit", true);
        g.writeNumberField("cloudInitType", 1);
        cloudInitConfig(g, d);
        emptyArray(g, "userConfig");
        g.writeArrayFieldStart("bootOrder");
        g.writeString("hd");
        g.writeString("cdrom");
        g.writeEndArray();
        g.writeNumberField("tpmType", 0);
        g.writeBooleanField("networkBoot", false);
        g.writeNumberField("bootMenu", 1);
        g.writeNumberField("customISO", 1);
        g.writeNumberField("securityDriver", 3);
        g.writeObjectFieldStart("memBalloon");
        g.writeNumberField("model", 1);
        g.writeNumberField("autoDeflate", 0);
        g.writeNumberField("freePageReporting", 0);
        g.writeEndObject();
        hyperv(g);
        g.writeObjectFieldStart("extended");
        g.writeObjectFieldStart("cpuFlags");
        g.writeStringField("topoext", "1");
        g.writeStringField("svm", "1");
        g.writeStringField("vmx", "1");
        g.writeEndObject();
        g.writeEndObject();
        g.writeStringField("machineType", "inherit");
        g.writeNumberField("pciPorts", 16);
        g.writeObjectFieldStart("resources");
        g.writeNumberField("memory", s.memoryMb());
        g.writeNumberField("storage", s.storageGb());
        g.writeNumberField("traffic", s.trafficGb());
        g.writeNumberField("cpuCores", s.cpuCores());
        g.writeEndObject();
        if (decryptedPassword != null) {
            g.writeStringField("decryptedPassword", decryptedPassword);
        }
        g.writeEndObject();
    }

    /**
     * Writes the cloud-init config, always an object so that typed clients see one type. Without
     * a template, runcmd is empty.
     */
    private static void cloudInitConfig(JsonGenerator g, ServerDetails d) throws IOException {
        g.writeObjectFieldStart("config");
        g.writeObjectFieldStart("cloud.init");
        g.writeObjectFieldStart("on.all");
        g.writeObjectFieldStart("user.data");
        g.writeArrayFieldStart("runcmd");
        if (d.template() != null) {
            for (String command : d.template().runcmd()) {
                g.writeString(command);
            }
        }
        g.writeEndArray();
        g.writeEndObject();
        g.writeEndObject();
        for (String hook : new String[] {"on.password", "on.sshkey", "on.allpre", "on.allpost"}) {
            g.writeObjectFieldStart(hook);
            emptyArray(g, "user.data");
            g.writeEndObject();
        }
        emptyArray(g, "on.network");
        emptyArray(g, "on.network.libvirtrouted");
        g.writeEndObject();
        g.writeEndObject();
    }

    private static void hyperv(JsonGenerator g) throws IOException {
        g.writeObjectFieldStart("hyperv");
        g.writeBooleanField("enabled", false);
        g.writeBooleanField("passthrough", false);
        for (String flag : HYPERV_FLAGS) {
            g.writeNumberField(flag, 0);
        }
        g.writeStringField("vendorIdValue", "KVM VM");
        g.writeNumberField("spinlocksValue", 8191);
        g.writeNumberField("clockEnabled", 0);
        g.writeEndObject();
    }

    private static void cpu(JsonGenerator g, Server s) throws IOException {
        g.writeObjectFieldStart("cpu");
        g.writeNumberField("cores", s.cpuCores());
        g.writeStringField("type", "inherit");
        g.writeStringField("typeExact", "host-model");
        g.writeNumberField("shares", 1024);
        g.writeNumberField("throttle", s.cpuThrottle());
        g.writeObjectFieldStart("topology");
        g.writeBooleanField("enabled", false);
        g.writeNumberField("sockets", 1);
        g.writeNumberField("cores", s.cpuCores());
        g.writeNumberField("threads", 1);
        g.writeNumberField("dies", 1);
        g.writeEndObject();
        g.writeEndObject();
    }

    private static void customXml(JsonGenerator g, Server s) throws IOException {
        ObjectNode stored = SettingsRoutes.customXml(s);
        g.writeObjectFieldStart("customXML");
        for (String part : SettingsRoutes.XML_PARTS) {
            g.writeObjectFieldStart(part);
            g.writeStringField("xml", stored.path(part).path("xml").asText(""));
            g.writeBooleanField("enabled", stored.path(part).path("enabled").asBoolean(false));
            g.writeEndObject();
        }
        g.writeEndObject();
    }

    private static void os(JsonGenerator g, ServerDetails d) throws IOException {
        g.writeObjectFieldStart("os");
        if (d.template() == null) {
            g.writeNullField("templateId");
            g.writeNullField("templateName");
        } else {
            g.writeNumberField("templateId", d.template().id());
            g.writeStringField("templateName", d.template().displayName());
        }
        g.writeEndObject();
    }

    private static void media(JsonGenerator g) throws IOException {
        g.writeObjectFieldStart("media");
        g.writeBooleanField("isoMounted", false);
        g.writeStringField("isoType", "local");
        g.writeStringField("isoName", "");
        g.writeStringField("isoFilename", "");
        g.writeStringField("isoUrl", "");
        g.writeBooleanField("isoDownload", false);
        g.writeEndObject();
    }

    private static void network(JsonGenerator g, ServerDetails d) throws IOException {
        g.writeObjectFieldStart("network");
        g.writeArrayFieldStart("interfaces");
        primaryInterface(g, d);
        g.writeEndArray();
        emptyArray(g, "secondaryInterfaces");
        g.writeEndObject();
    }

    private static void primaryInterface(JsonGenerator g, ServerDetails d) throws IOException {
        Server s = d.server();
        g.writeStartObject();
        g.writeNumberField("id", s.id());
        g.writeNumberField("order", 1);
        g.writeBooleanField("enabled", true);
        g.writeNumberField("tag", Long.parseLong(s.mac().replace(":", "").substring(4), 16));
        g.writeStringField("name", "eth0");
        g.writeStringField("type", "public");
        g.writeNumberField("driver", 1);
        g.writeNullField("processQueues");
        g.writeStringField("mac", s.mac().toUpperCase(Locale.ROOT));
        g.writeNullField("ipv4ToMac");
        g.writeNullField("ipv6ToMac");
        g.writeBooleanField("inTrafficCount", true);
        g.writeBooleanField("outTrafficCount", false);
        g.writeNumberField("inAverage", s.networkSpeedIn());
        g.writeNumberField("inPeak", 0);
        g.writeNumberField("inBurst", 0);
        g.writeNumberField("outAverage", s.networkSpeedOut());
        g.writeNumberField("outPeak", 0);
        g.writeNumberField("outBurst", 0);
        g.writeBooleanField("ipFilter", true);
        emptyArray(g, "vlans");
        g.writeStringField("ipFilterType", "4");
        g.writeBooleanField("portIsolated", false);
        g.writeNumberField("ipv4_resolver_1", 1);
        g.writeNumberField("ipv4_resolver_2", 2);
        g.writeNumberField("ipv6_resolver_1", 1);
        g.writeNumberField("ipv6_resolver_2", 2);
        g.writeNumberField("networkProfile", 0);
        g.writeNumberField("dhcpV4", 0);
        g.writeNumberField("dhcpV6", 0);
        g.writeBooleanField("firewallEnabled", false);
        g.writeNumberField("hypervisorNetwork", d.hypervisor().id());
        g.writeBooleanField("isNat", false);
        g.writeBooleanField("nat", false);
        emptyArray(g, "firewall");
        g.writeObjectFieldStart("hypervisorConnectivity");
        g.writeNumberField("id", d.hypervisor().id());
        g.writeStringField("type", "simpleBridge");
        g.writeStringField("bridge", d.hypervisor().connection().bridge());
        g.writeNullField("mtu");
        g.writeBooleanField("primary", true);
        g.writeBooleanField("default", true);
        g.writeEndObject();
        g.writeFieldName("ipWhitelist");
        g.writeTree(AddressRoutes.whitelist(s));
        emptyArray(g, "actions");
        ipv4(g, d);
        ipv6(g, d);
        g.writeEndObject();
    }

    private static void ipv4(JsonGenerator g, ServerDetails d) throws IOException {
        g.writeArrayFieldStart("ipv4");
        for (Ipv4Address a : d.ipv4()) {
            g.writeStartObject();
            g.writeNumberField("id", a.id());
            g.writeNumberField("order", a.position());
            g.writeBooleanField("enabled", true);
            g.writeNumberField("blockId", a.blockId());
            g.writeStringField("address", a.address());
            g.writeStringField("gateway", a.gateway());
            g.writeStringField("netmask", a.netmask());
            g.writeStringField("resolver1", a.resolver1());
            g.writeStringField("resolver2", a.resolver2());
            g.writeStringField("rdns", a.rdns());
            g.writeNullField("mac");
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    private static void ipv6(JsonGenerator g, ServerDetails d) throws IOException {
        g.writeArrayFieldStart("ipv6");
        int order = 1;
        for (Ipv6Subnet subnet : d.ipv6()) {
            g.writeStartObject();
            g.writeNumberField("id", subnet.id());
            g.writeNumberField("order", order++);
            g.writeBooleanField("enabled", true);
            g.writeNumberField("blockId", subnet.blockId());
            g.writeStringField("subnet", subnet.subnet());
            g.writeNumberField("cidr", subnet.prefixLength());
            g.writeArrayFieldStart("addresses");
            g.writeString(subnet.address());
            g.writeEndArray();
            g.writeStringField("gateway", subnet.gateway());
            g.writeStringField("resolver1", subnet.resolver1());
            g.writeStringField("resolver2", subnet.resolver2());
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    private static void storage(JsonGenerator g, ServerDetails d) throws IOException {
        Server s = d.server();
        g.writeArrayFieldStart("storage");
        int index = 1;
        for (Disk disk : d.disks()) {
            g.writeStartObject();
            g.writeNumberField("_id", disk.id());
            g.writeNumberField("id", index);
            g.writeNullField("cache");
            g.writeNullField("bus");
            g.writeNumberField("capacity", disk.capacityGb());
            g.writeStringField("drive", disk.drive());
            g.writeNullField("datastoreDiskId");
            g.writeNullField("filesystem");
            for (String counter : new String[] {"iops", "bytes"}) {
                g.writeObjectFieldStart(counter);
                g.writeNullField("read");
                g.writeNullField("write");
                g.writeEndObject();
            }
            g.writeStringField("type", disk.type());
            g.writeNumberField("profile", 0);
            g.writeNumberField("status", disk.status());
            g.writeBooleanField("enabled", true);
            g.writeBooleanField("primary", index == 1);
            g.writeStringField("created", Times.offset(disk.created()));
            g.writeStringField("updated", Times.offset(disk.updated()));
            emptyArray(g, "datastore");
            String volume = s.uuid() + "_" + index;
            g.writeStringField("name", volume);
            g.writeStringField("filename", volume + ".img");
            g.writeNullField("hypervisorStorageId");
            g.writeBooleanField("local", true);
            g.writeStringField("locationType", "pool");
            g.writeStringField("path", d.hypervisor().dataDir());
            g.writeEndObject();
            index++;
        }
        g.writeEndArray();
    }

    private static void hypervisor(JsonGenerator g, ServerDetails d) throws IOException {
        var h = d.hypervisor();
        g.writeObjectFieldStart("hypervisor");
        g.writeNumberField("id", h.id());
        g.writeStringField("ip", h.ip());
        g.writeNullField("hostname");
        g.writeNumberField("port", 8892);
        g.writeBooleanField("maintenance", h.maintenance());
        g.writeNumberField("groupId", h.groupId());
        g.writeObjectFieldStart("group");
        g.writeStringField("name", d.group().name());
        g.writeNullField("icon");
        g.writeEndObject();
        g.writeStringField("timezone", "UTC");
        g.writeBooleanField("forceIPv6", false);
        g.writeNumberField("vncListenType", 1);
        g.writeNullField("displayName");
        g.writeNullField("cpuSet");
        g.writeNumberField("nfType", 4);
        g.writeNumberField("backupStorageType", 2);
        g.writeStringField("defaultDiskType", "inherit");
        g.writeStringField("defaultDiskCacheType", "inherit");
        g.writeStringField("defaultCPU", "inherit");
        g.writeStringField("defaultMachineType", "inherit");
        g.writeStringField("created", Times.offset(h.created()));
        g.writeStringField("updated", Times.offset(h.updated()));
        g.writeStringField("name", h.name());
        g.writeStringField("dataDir", h.dataDir());
        g.writeObjectFieldStart("settings");
        g.writeStringField("state", !h.enabled() ? "disabled" : h.maintenance() ? "maintenance" : "online");
        g.writeEndObject();
        g.writeFieldName("resources");
        g.writeTree(HypervisorViews.resources(h, d.hypervisorAllocation()));
        g.writeEndObject();
    }

    private static void owner(JsonGenerator g, ServerDetails d) throws IOException {
        var u = d.owner();
        g.writeObjectFieldStart("owner");
        g.writeNumberField("id", u.id());
        g.writeBooleanField("admin", u.admin());
        if (u.extRelationId() == null) {
            g.writeNullField("extRelationId");
        } else {
            g.writeNumberField("extRelationId", u.extRelationId());
        }
        g.writeStringField("name", u.name());
        g.writeStringField("email", u.email());
        g.writeStringField("timezone", u.timezone());
        g.writeBooleanField("suspended", u.suspended());
        g.writeBooleanField("twoFactorAuth", false);
        g.writeStringField("created", Times.offset(u.created()));
        g.writeStringField("updated", Times.offset(u.updated()));
        g.writeEndObject();
    }

    private static void sshKeys(JsonGenerator g, ServerDetails d) throws IOException {
        g.writeArrayFieldStart("sshKeys");
        for (SshKey k : d.sshKeys()) {
            g.writeStartObject();
            g.writeNumberField("id", k.id());
            g.writeNumberField("ownerId", k.userId());
            g.writeStringField("type", k.type());
            g.writeStringField("name", k.name());
            g.writeStringField("public", k.publicKey());
            g.writeBooleanField("enabled", k.enabled());
            g.writeStringField("created", Times.offset(k.created()));
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    private static void tasks(JsonGenerator g, ServerDetails d) throws IOException {
        g.writeObjectFieldStart("tasks");
        g.writeBooleanField("active", d.server().lockedQueueId() != null);
        g.writeStringField("lastOn", d.lastTaskOn() == null ? null
                : TASK_TIME.format(d.lastTaskOn().withOffsetSameInstant(ZoneOffset.UTC)));
        g.writeObjectFieldStart("actions");
        emptyArray(g, "pending");
        g.writeEndObject();
        g.writeEndObject();
    }

    private static void remoteState(JsonGenerator g, RemoteState r) throws IOException {
        g.writeObjectFieldStart("remoteState");
        g.writeBooleanField("running", r.running());
        g.writeStringField("state", r.status().word());
        g.writeNumberField("cpu", r.cpuTimeNs());
        g.writeObjectFieldStart("memory");
        g.writeNumberField("actual", r.memoryActualKib());
        g.writeNumberField("unused", r.memoryUnusedKib());
        g.writeNumberField("available", r.memoryAvailableKib());
        g.writeNumberField("rss", r.memoryRssKib());
        g.writeEndObject();
        g.writeObjectFieldStart("disk");
        g.writeObjectFieldStart("vda");
        g.writeNumberField("rd.bytes", r.diskReadBytes());
        g.writeNumberField("wr.bytes", r.diskWriteBytes());
        g.writeEndObject();
        g.writeEndObject();
        g.writeEndObject();
    }

    private static void emptyArray(JsonGenerator g, String name) throws IOException {
        g.writeArrayFieldStart(name);
        g.writeEndArray();
    }

    private static void emptyObject(JsonGenerator g, String name) throws IOException {
        g.writeObjectFieldStart(name);
        g.writeEndObject();
    }
}
