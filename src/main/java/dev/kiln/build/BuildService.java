package dev.kiln.build;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.LockedException;
import dev.kiln.NotFoundException;
import dev.kiln.Times;
import dev.kiln.ValidationException;
import dev.kiln.catalog.CatalogStore;
import dev.kiln.hypervisors.Hypervisor;
import dev.kiln.hypervisors.HypervisorStore;
import dev.kiln.http.Json;
import dev.kiln.network.NetworkStore;
import dev.kiln.queue.Actions;
import dev.kiln.queue.QueueStore;
import dev.kiln.security.Passwords;
import dev.kiln.security.SecretBox;
import dev.kiln.servers.Server;
import dev.kiln.servers.ServerDetails;
import dev.kiln.servers.ServerService;
import dev.kiln.servers.ServerStore;
import dev.kiln.users.SshKey;
import dev.kiln.users.UserStore;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accepts a build: checks the request against stored state, then in one transaction stores a
 * new root password (encrypted), the server's new settings and SSH key set, inserts the queue
 * item and locks the server to it by compare-and-set. A rejected request writes nothing.
 */
public final class BuildService {

    private static final Logger LOG = LoggerFactory.getLogger(BuildService.class);

    private final Jdbi jdbi;
    private final ServerStore servers;
    private final ServerService serverService;
    private final UserStore users;
    private final CatalogStore catalog;
    private final HypervisorStore hypervisors;
    private final NetworkStore network;
    private final QueueStore queue;
    private final SecretBox secrets;
    private final Clock clock;

    public BuildService(Jdbi jdbi, ServerStore servers, ServerService serverService, UserStore users, CatalogStore catalog,
            HypervisorStore hypervisors, NetworkStore network, QueueStore queue, SecretBox secrets, Clock clock) {
        this.jdbi = jdbi;
        this.servers = servers;
        this.serverService = serverService;
        this.users = users;
        this.catalog = catalog;
        this.hypervisors = hypervisors;
        this.network = network;
        this.queue = queue;
        this.secrets = secrets;
        this.clock = clock;
    }

    /** Queues the build and returns the server as it now stands, with the new password. */
    public Accepted accept(long serverId, BuildRequest request) {
        String password = Passwords.random(Passwords.ROOT_PASSWORD_LENGTH);
        ServerDetails details = jdbi.inTransaction(h -> {
            Server server = servers.find(h, serverId).orElseThrow(() -> new NotFoundException("server not found"));
            checkAvailable(server);
            checkTemplate(h, server, request.operatingSystemId());
            checkKeys(h, server, request.sshKeyIds());

            OffsetDateTime now = Times.now(clock);
            long itemId = queue.insert(h, server.id(), server.hypervisorId(), Actions.BUILD, payload(request), now);
            int updated = h.createUpdate("UPDATE server SET name = COALESCE(:name, name), hostname = COALESCE(:hostname, hostname), "
                            + "os_template_id = :template, encrypted_password = :password, vnc_enabled = :vnc, "
                            + "ipv6_enabled = :ipv6, swap_mb = :swap, commission_status = 1, state = 'queued', "
                            + "build_failed = FALSE, locked_queue_id = :item, version = version + 1, updated = :now "
                            + "WHERE id = :id AND version = :version AND locked_queue_id IS NULL")
                    .bind("name", request.name()).bind("hostname", request.hostname())
                    .bind("template", request.operatingSystemId()).bind("password", secrets.encrypt(password))
                    .bind("vnc", request.vnc()).bind("ipv6", request.ipv6()).bind("swap", request.swapMb())
                    .bind("item", itemId).bind("now", now).bind("id", server.id()).bind("version", server.version())
                    .execute();
            if (updated == 0) {
                throw new LockedException("server is locked by another action in progress; try again when it has finished");
            }
            servers.replaceSshKeys(h, server.id(), request.sshKeyIds());
            if (request.ipv6()) {
                assignIpv6(h, server, now);
            }
            LOG.info("server {}: build queued as queue item {} (template {})", server.id(), itemId, request.operatingSystemId());
            return serverService.details(h, server.id());
        });
        return new Accepted(details, password);
    }

    private void assignIpv6(org.jdbi.v3.core.Handle h, Server server, OffsetDateTime now) {
        Hypervisor hypervisor = hypervisors.find(h, server.hypervisorId()).orElseThrow();
        if (network.assignIpv6(h, hypervisor.groupId(), server.id(), now).isEmpty()) {
            throw new ValidationException("The ipv6 field asks for IPv6, but hypervisor group " + hypervisor.groupId()
                    + " has no IPv6 block with a free subnet.");
        }
    }

    private static void checkAvailable(Server server) {
        if (server.deleteAfter() != null) {
            throw new LockedException("server is scheduled for deletion and cannot be built");
        }
        if (server.suspended()) {
            throw new LockedException("server is suspended; unsuspend it before building");
        }
        if (server.lockedQueueId() != null) {
            throw new LockedException("server is locked by queue item " + server.lockedQueueId()
                    + " in progress; try again when it has finished");
        }
    }

    private void checkTemplate(org.jdbi.v3.core.Handle h, Server server, long templateId) {
        var offer = catalog.templateOffer(h, server.packageId(), templateId);
        if (offer.isEmpty()) {
            throw new ValidationException("The operatingSystemId field names no OS template (" + templateId + ").");
        }
        if (!offer.get().enabled()) {
            throw new ValidationException("The operatingSystemId field names OS template " + templateId + ", which is disabled.");
        }
        if (!offer.get().offeredToPackage()) {
            throw new ValidationException("The operatingSystemId field names OS template " + templateId
                    + ", which the server's package does not offer.");
        }
    }

    private void checkKeys(org.jdbi.v3.core.Handle h, Server server, List<Long> keyIds) {
        List<SshKey> keys = users.keys(h, keyIds);
        for (Long id : keyIds) {
            SshKey key = keys.stream().filter(k -> k.id() == id).findFirst().orElse(null);
            if (key == null || key.userId() != server.ownerId()) {
                throw new ValidationException("The sshKeys field names SSH key " + id + ", which the server's owner does not have.");
            }
            if (!key.enabled()) {
                throw new ValidationException("The sshKeys field names SSH key " + id + ", which is disabled.");
            }
        }
    }

    private static String payload(BuildRequest request) {
        ObjectNode out = Json.object();
        out.put("templateId", request.operatingSystemId());
        var keys = out.putArray("sshKeyIds");
        request.sshKeyIds().forEach(keys::add);
        out.put("vnc", request.vnc());
        out.put("ipv6", request.ipv6());
        out.put("email", request.email());
        out.put("swapMb", request.swapMb());
        return out.toString();
    }

    /** A queued build: the server after the change and its new root password, shown once. */
    public record Accepted(ServerDetails details, String password) {
    }
}
