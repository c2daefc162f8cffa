package dev.kiln.servers;

import dev.kiln.Times;
import dev.kiln.ValidationException;
import dev.kiln.catalog.CatalogStore;
import dev.kiln.catalog.ServerPackage;
import dev.kiln.hypervisors.Allocation;
import dev.kiln.hypervisors.Hypervisor;
import dev.kiln.hypervisors.HypervisorGroup;
import dev.kiln.hypervisors.HypervisorStore;
import dev.kiln.hypervisors.HypervisorUsage;
import dev.kiln.network.Addresses;
import dev.kiln.network.NetworkStore;
import dev.kiln.security.Passwords;
import dev.kiln.security.SecretBox;
import dev.kiln.store.Dialect;
import dev.kiln.users.User;
import dev.kiln.users.UserStore;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.Comparator;
import java.util.Map;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** Creates servers (placement, addresses, disk record) and loads what the server view shows. */
public final class ServerService {

    private final Jdbi jdbi;
    private final ServerStore servers;
    private final UserStore users;
    private final HypervisorStore hypervisors;
    private final CatalogStore catalog;
    private final NetworkStore network;
    private final SecretBox secrets;
    private final Clock clock;
    private final ServerDetailsLoader detailsLoader;

    public ServerService(Jdbi jdbi, Dialect dialect, ServerStore servers, UserStore users, HypervisorStore hypervisors,
            CatalogStore catalog, NetworkStore network, SecretBox secrets, Clock clock) {
        this.jdbi = jdbi;
        this.servers = servers;
        this.users = users;
        this.hypervisors = hypervisors;
        this.catalog = catalog;
        this.network = network;
        this.secrets = secrets;
        this.clock = clock;
        this.detailsLoader = new ServerDetailsLoader(dialect, users, network);
    }

    /**
     * Creates a server on the hypervisor of the group with the most free memory that fits it,
     * with its IPv4 addresses, MAC address, VNC port, primary disk record and an initial
     * root password (replaced by every build).
     */
    public long create(CreateRequest request) {
        return jdbi.inTransaction(h -> {
            Resolved r = resolve(h, request);
            Hypervisor target = place(h, r);

            OffsetDateTime now = Times.now(clock);
            String uuid = UUID.randomUUID().toString();
            long id = servers.insert(h, new ServerStore.NewServer(uuid, r.owner().id(), target.id(), r.pkg().id(),
                    r.memoryMb(), r.cpuCores(), r.storageGb(), r.trafficGb(), r.speedIn(), r.speedOut(),
                    servers.nextVncPort(h, target.id()), uniqueMac(h)), now);
            HypervisorUsage.add(h, target.id(), 1, r.memoryMb(), r.cpuCores(), r.storageGb());
            h.createUpdate("UPDATE server SET encrypted_password = :password WHERE id = :id")
                    .bind("password", secrets.encrypt(Passwords.random(Passwords.ROOT_PASSWORD_LENGTH))).bind("id", id).execute();
            h.createUpdate("INSERT INTO server_disk (server_id, drive, capacity_gb, created, updated) VALUES (:id, 'a', :gb, :now, :now)")
                    .bind("id", id).bind("gb", r.storageGb()).bind("now", now).execute();
            if (r.ipv4Count() > 0 && network.assignIpv4(h, r.group().id(), id, r.ipv4Count(), now).size() < r.ipv4Count()) {
                throw new ValidationException("Hypervisor group " + r.group().id() + " has fewer than " + r.ipv4Count()
                        + " free IPv4 addresses.");
            }
            return id;
        });
    }

    /** Checks that a server could be created now, without writing anything. */
    public DryRun dryRun(CreateRequest request) {
        return jdbi.inTransaction(h -> {
            Resolved r = resolve(h, request);
            Hypervisor target = place(h, r);
            long free = network.freeIpv4Count(h, r.group().id());
            if (free < r.ipv4Count()) {
                throw new ValidationException("Hypervisor group " + r.group().id() + " has fewer than " + r.ipv4Count()
                        + " free IPv4 addresses.");
            }
            return new DryRun(target.id(), target.name(), free);
        });
    }

    public ServerDetails details(long id) {
        // No transaction: at READ COMMITTED, the isolation of both databases here, each statement
        // reads the latest commits whether or not a transaction groups them. A transaction would
        // add only its commit.
        return jdbi.withHandle(h -> details(h, id));
    }

    /** Loads what the server view shows, in two statements ({@link ServerDetailsLoader}). */
    public ServerDetails details(Handle h, long id) {
        return detailsLoader.load(h, id);
    }

    private Resolved resolve(Handle h, CreateRequest request) {
        ServerPackage pkg = catalog.findPackage(h, request.packageId())
                .orElseThrow(() -> new ValidationException("The packageId field names no package (" + request.packageId() + ")."));
        if (!pkg.enabled()) {
            throw new ValidationException("The packageId field names a disabled package (" + pkg.id() + ").");
        }
        User owner = users.find(h, request.userId())
                .orElseThrow(() -> new ValidationException("The userId field names no user (" + request.userId() + ")."));
        HypervisorGroup group = hypervisors.findGroup(h, request.hypervisorGroupId())
                .orElseThrow(() -> new ValidationException("The hypervisorId field names no hypervisor group ("
                        + request.hypervisorGroupId() + ")."));
        if (!group.enabled()) {
            throw new ValidationException("The hypervisorId field names a disabled hypervisor group (" + group.id() + ").");
        }
        return new Resolved(pkg, owner, group,
                orElse(request.memoryMb(), pkg.memoryMb()), orElse(request.cpuCores(), pkg.cpuCores()),
                orElse(request.storageGb(), pkg.primaryStorageGb()), orElse(request.trafficGb(), pkg.trafficGb()),
                orElse(request.networkSpeedIn(), pkg.networkSpeedIn()), orElse(request.networkSpeedOut(), pkg.networkSpeedOut()),
                orElse(request.ipv4(), 1));
    }

    /**
     * Picks the hypervisor with the most free memory that fits the server. The usage rows of the
     * group's hypervisors are locked first, all at once and in id order, so concurrent creates
     * cannot overfill one host and cannot deadlock by locking two hosts in opposite orders. The
     * locks last until the create has added its server to the chosen row.
     */
    private Hypervisor place(Handle h, Resolved r) {
        Map<Long, Allocation> usage = HypervisorUsage.lockPlaceable(h, r.group().id());
        return hypervisors.placeable(h, r.group().id()).stream()
                // A hypervisor enabled after the lock query has no locked row here, so only later creates consider it.
                .filter(hv -> usage.containsKey(hv.id()))
                .filter(hv -> usage.get(hv.id()).fits(hv, r.memoryMb(), r.cpuCores(), r.storageGb()))
                .max(Comparator.comparingLong((Hypervisor hv) -> hv.maxMemoryMb() - usage.get(hv.id()).memoryMb()))
                .orElseThrow(() -> new ValidationException("No hypervisor in group " + r.group().id() + " has room for a server with "
                        + r.memoryMb() + " MB memory, " + r.cpuCores() + " CPU cores and " + r.storageGb() + " GB storage."));
    }

    private String uniqueMac(Handle h) {
        for (int attempt = 0; attempt < 10; attempt++) {
            String mac = Addresses.randomMac();
            boolean taken = h.createQuery("SELECT COUNT(*) FROM server WHERE mac = :mac").bind("mac", mac).mapTo(Long.class).one() > 0;
            if (!taken) {
                return mac;
            }
        }
        throw new IllegalStateException("no unused MAC address found in 10 random draws");
    }

    private static int orElse(Integer value, int fallback) {
        return value == null ? fallback : value;
    }

    /** {@code POST /servers} input after type checks; null overrides mean "from the package". */
    public record CreateRequest(long packageId, long userId, long hypervisorGroupId, Integer ipv4, Integer storageGb,
            Integer trafficGb, Integer memoryMb, Integer cpuCores, Integer networkSpeedIn, Integer networkSpeedOut) {
    }

    /** The hypervisor a dry run chose, and the group's free IPv4 addresses. */
    public record DryRun(long hypervisorId, String hypervisorName, long freeIpv4) {
    }

    private record Resolved(ServerPackage pkg, User owner, HypervisorGroup group, int memoryMb, int cpuCores, int storageGb,
            int trafficGb, int speedIn, int speedOut, int ipv4Count) {
    }
}
