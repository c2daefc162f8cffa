package dev.kiln.build;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.KilnException;
import dev.kiln.Times;
import dev.kiln.catalog.CatalogStore;
import dev.kiln.catalog.OsTemplate;
import dev.kiln.hypervisors.DiskSpec;
import dev.kiln.hypervisors.DomainSpec;
import dev.kiln.hypervisors.DomainStatus;
import dev.kiln.hypervisors.Drivers;
import dev.kiln.hypervisors.HypervisorDriver;
import dev.kiln.hypervisors.RemoteState;
import dev.kiln.hypervisors.TemplateImage;
import dev.kiln.queue.QueueHandler;
import dev.kiln.queue.QueueItem;
import dev.kiln.queue.StepRecorder;
import dev.kiln.queue.Workers;
import dev.kiln.security.Passwords;
import dev.kiln.security.SecretBox;
import dev.kiln.servers.ServerDetails;
import dev.kiln.servers.ServerService;
import dev.kiln.users.SshKey;
import java.time.Clock;
import java.util.List;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a queued build on the server's hypervisor, one recorded step at a time, in the order
 * VirtFusion's own build uses. Every step is safe to repeat, so an item taken over after its
 * worker died simply runs again from the start.
 */
public final class BuildPipeline implements QueueHandler, Workers.CountedSteps {

    private static final Logger LOG = LoggerFactory.getLogger(BuildPipeline.class);

    private final Jdbi jdbi;
    private final ServerService servers;
    private final CatalogStore catalog;
    private final Drivers drivers;
    private final SecretBox secrets;
    private final ReadyMail mail;
    private final Clock clock;

    public BuildPipeline(Jdbi jdbi, ServerService servers, CatalogStore catalog, Drivers drivers, SecretBox secrets,
            ReadyMail mail, Clock clock) {
        this.jdbi = jdbi;
        this.servers = servers;
        this.catalog = catalog;
        this.drivers = drivers;
        this.secrets = secrets;
        this.mail = mail;
        this.clock = clock;
    }

    @Override
    public int stepCount() {
        return 8;
    }

    @Override
    public void run(QueueItem item, StepRecorder steps) {
        JsonNode payload = item.payloadJson();
        markBuilding(item);
        ServerDetails d = servers.details(item.serverId());
        HypervisorDriver driver = drivers.forHypervisor(d.hypervisor());
        String uuid = d.server().uuid();
        OsTemplate template = catalog.findTemplate(payload.path("templateId").asLong())
                .orElseThrow(() -> new KilnException("OS template " + payload.path("templateId").asLong()
                        + " was removed from the catalog after the build was queued"));
        TemplateImage image = new TemplateImage(template.id(), template.volumeName(), template.sourceUrl());

        steps.step("server.get.status", () -> "domain " + uuid + " is " + driver.status(uuid).word());
        steps.step("server.os.template.exists", () -> driver.ensureTemplate(image));
        steps.step("server.create.ci", () -> driver.writeSeed(uuid, CloudInit.files(seed(item, d, template))));
        steps.step("server.disk.create.os", () -> {
            String stopped = driver.status(uuid) == DomainStatus.RUNNING ? driver.powerOff(uuid) + "; " : "";
            return stopped + driver.createDisk(new DiskSpec(uuid, image, d.server().storageGb()));
        });
        String vncPassword = d.server().vncEnabled() ? Passwords.random(8) : null;
        steps.step(d.server().vncEnabled() ? "server.vnc.enable" : "server.vnc.disable", () -> storeVnc(item, vncPassword));
        steps.step("server.os.install.check", () -> driver.defineDomain(new DomainSpec(uuid, d.server().cpuCores(),
                d.server().memoryMb(), d.server().mac(), d.server().vncEnabled(), vncPassword)));
        steps.step("server.boot", () -> driver.start(uuid));
        steps.step("server.config.statistics", () -> statistics(driver.remoteState(uuid)));

        steps.checkLease();
        if (payload.path("email").asBoolean(false)) {
            mail.serverReady(servers.details(item.serverId()), secrets.decrypt(d.server().encryptedPassword()));
        }
    }

    @Override
    public void completed(Handle h, QueueItem item) {
        var now = Times.now(clock);
        h.createUpdate("UPDATE server SET commission_status = 3, state = 'complete', built = :now, build_failed = FALSE, "
                        + "locked_queue_id = NULL, version = version + 1, updated = :now WHERE id = :id AND locked_queue_id = :item")
                .bind("now", now).bind("id", item.serverId()).bind("item", item.id()).execute();
        h.createUpdate("UPDATE server_disk SET status = 3, updated = :now WHERE server_id = :id")
                .bind("now", now).bind("id", item.serverId()).execute();
        LOG.info("server {}: build of queue item {} complete", item.serverId(), item.id());
    }

    @Override
    public void cleanUp(QueueItem item, Exception failure) {
        ServerDetails d = servers.details(item.serverId());
        try {
            String output = drivers.forHypervisor(d.hypervisor()).delete(d.server().uuid());
            LOG.info("server {}: half-built domain removed after the failed build: {}", item.serverId(), output);
        } catch (RuntimeException e) {
            LOG.warn("server {}: removing the half-built domain failed: {}; the next build replaces it", item.serverId(),
                    e.getMessage());
        }
    }

    @Override
    public void failed(Handle h, QueueItem item, String message) {
        int released = h.createUpdate("UPDATE server SET commission_status = 0, state = 'failed', build_failed = TRUE, "
                        + "locked_queue_id = NULL, version = version + 1, updated = :now WHERE id = :id AND locked_queue_id = :item")
                .bind("now", Times.now(clock)).bind("id", item.serverId()).bind("item", item.id()).execute();
        h.createUpdate("UPDATE server_disk SET status = 1, updated = :now WHERE server_id = :id")
                .bind("now", Times.now(clock)).bind("id", item.serverId()).execute();
        if (released == 0) {
            LOG.warn("server {}: not released after queue item {} failed, because another item holds it now",
                    item.serverId(), item.id());
        }
    }

    private CloudInit.Seed seed(QueueItem item, ServerDetails d, OsTemplate template) {
        String password = secrets.decrypt(d.server().encryptedPassword());
        List<String> keys = d.sshKeys().stream().map(SshKey::publicKey).toList();
        String hostname = d.server().hostname() != null ? d.server().hostname() : "server-" + d.server().id();
        return new CloudInit.Seed(d.server().uuid() + "-" + item.id(), hostname, Passwords.sha512Crypt(password), keys,
                d.server().swapMb(), template.runcmd(), d.server().mac(), d.ipv4(), d.server().ipv6Enabled() ? d.ipv6() : List.of());
    }

    private String storeVnc(QueueItem item, String vncPassword) {
        jdbi.useHandle(h -> h.createUpdate("UPDATE server SET encrypted_vnc_password = :password WHERE id = :id AND locked_queue_id = :item")
                .bind("password", vncPassword == null ? null : secrets.encrypt(vncPassword))
                .bind("id", item.serverId()).bind("item", item.id()).execute());
        return vncPassword == null ? "VNC disabled: no display in the domain" : "VNC enabled with a new password";
    }

    private static String statistics(RemoteState state) {
        return "domain " + state.status().word() + ", memory " + state.memoryActualKib() + " KiB; statistics collection on";
    }

    /** Marks the server and its disks as building, in one transaction. */
    private void markBuilding(QueueItem item) {
        jdbi.useTransaction(h -> {
            int updated = h.createUpdate("UPDATE server SET commission_status = 2, state = 'building', "
                            + "version = version + 1, updated = :now WHERE id = :id AND locked_queue_id = :item")
                    .bind("now", Times.now(clock)).bind("id", item.serverId()).bind("item", item.id()).execute();
            if (updated == 0) {
                throw new KilnException("server " + item.serverId() + " is no longer locked to queue item " + item.id());
            }
            h.createUpdate("UPDATE server_disk SET status = 2, updated = :now WHERE server_id = :id")
                    .bind("now", Times.now(clock)).bind("id", item.serverId()).execute();
        });
    }
}
