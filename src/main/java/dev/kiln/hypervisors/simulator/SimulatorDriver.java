package dev.kiln.hypervisors.simulator;

import dev.kiln.hypervisors.DiskSpec;
import dev.kiln.hypervisors.DomainSpec;
import dev.kiln.hypervisors.DomainStatus;
import dev.kiln.hypervisors.DriverException;
import dev.kiln.hypervisors.HypervisorDriver;
import dev.kiln.hypervisors.RemoteState;
import dev.kiln.hypervisors.TemplateImage;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A development hypervisor that lives in the Kiln process: it keeps domains and volumes per
 * host in memory, refuses domains beyond the host's memory, takes a set time per operation and
 * fails the operations that a test or demo marks to fail. Nothing is installed anywhere; the demo inventory
 * and fast tests use it. State is lost when the process ends.
 */
public final class SimulatorDriver implements HypervisorDriver {

    /** Operation names accepted by {@link #failNext} and {@link #failAlways}. */
    public static final Set<String> OPERATIONS = Set.of("ensureTemplate", "createDisk", "writeSeed", "defineDomain", "start",
            "shutdown", "reboot", "powerOff", "setUserPassword", "delete", "status", "remoteState");

    private final String host;
    private final long memoryMb;
    private final Duration delay;
    private final Map<String, Integer> failuresLeft = new ConcurrentHashMap<>();
    private final Set<String> volumes = ConcurrentHashMap.newKeySet();
    private final Map<String, Domain> domains = new HashMap<>();
    private final Map<String, Map<String, byte[]>> seeds = new ConcurrentHashMap<>();
    private final Map<String, String> passwordHashes = new ConcurrentHashMap<>();

    public SimulatorDriver(String host, long memoryMb, Duration delay) {
        this.host = host;
        this.memoryMb = memoryMb;
        this.delay = delay;
    }

    /** Makes the next {@code times} calls of an operation fail. */
    public void failNext(String operation, int times) {
        checkOperation(operation);
        failuresLeft.put(operation, times);
    }

    /** Makes every call of an operation fail until {@link #clearFaults()}. */
    public void failAlways(String operation) {
        failNext(operation, Integer.MAX_VALUE);
    }

    public void clearFaults() {
        failuresLeft.clear();
    }

    /** Returns the seed files last written for a server, for tests that read what the guest would get. */
    public Map<String, byte[]> seed(String serverUuid) {
        return seeds.get(serverUuid);
    }

    /**
     * The SHA-512-crypt hash of the password last set for a guest user through
     * {@link #setUserPassword}, or null; the simulated guest agent keeps no plain text.
     */
    public String passwordHash(String serverUuid, String user) {
        return passwordHashes.get(serverUuid + "/" + user);
    }

    /** Volume names in the simulated pool. */
    public Set<String> volumes() {
        return Set.copyOf(volumes);
    }

    public synchronized Set<String> domainNames() {
        return new HashSet<>(domains.keySet());
    }

    @Override
    public String ensureTemplate(TemplateImage template) {
        operation("ensureTemplate", template.volumeName());
        if (volumes.add(template.volumeName())) {
            return "template volume " + template.volumeName() + " created from " + template.sourceUrl() + " (simulated)";
        }
        return "template volume " + template.volumeName() + " already present";
    }

    @Override
    public String createDisk(DiskSpec disk) {
        operation("createDisk", disk.volumeName());
        if (!volumes.contains(disk.template().volumeName())) {
            throw new DriverException("simulated host " + host + ": template volume " + disk.template().volumeName()
                    + " is missing; the disk cannot be created");
        }
        boolean replaced = !volumes.add(disk.volumeName());
        return "disk " + disk.volumeName() + " " + (replaced ? "replaced" : "created") + ": " + disk.capacityGb()
                + " GiB backed by " + disk.template().volumeName();
    }

    @Override
    public String writeSeed(String serverUuid, Map<String, byte[]> files) {
        operation("writeSeed", serverUuid);
        seeds.put(serverUuid, Map.copyOf(files));
        volumes.add(serverUuid + "_seed");
        return "seed volume " + serverUuid + "_seed written with " + String.join(", ", files.keySet().stream().sorted().toList());
    }

    @Override
    public String defineDomain(DomainSpec spec) {
        operation("defineDomain", spec.serverUuid());
        synchronized (this) {
            long used = domains.entrySet().stream().filter(e -> !e.getKey().equals(spec.serverUuid()))
                    .mapToLong(e -> e.getValue().memoryMb).sum();
            if (used + spec.memoryMb() > memoryMb) {
                throw new DriverException("simulated host " + host + " has " + (memoryMb - used) + " MiB free; domain "
                        + spec.serverUuid() + " needs " + spec.memoryMb() + " MiB");
            }
            Domain previous = domains.put(spec.serverUuid(), new Domain(spec.memoryMb(), spec.cpuCores(), DomainStatus.SHUTOFF));
            return "domain " + spec.serverUuid() + (previous == null ? " defined" : " redefined (old domain destroyed)")
                    + ": " + spec.cpuCores() + " vCPU, " + spec.memoryMb() + " MiB, VNC " + (spec.vncEnabled() ? "on" : "off");
        }
    }

    @Override
    public String start(String serverUuid) {
        operation("start", serverUuid);
        return transition(serverUuid, DomainStatus.RUNNING, "started");
    }

    @Override
    public String shutdown(String serverUuid) {
        operation("shutdown", serverUuid);
        return transition(serverUuid, DomainStatus.SHUTOFF, "shut down");
    }

    @Override
    public String reboot(String serverUuid) {
        operation("reboot", serverUuid);
        return transition(serverUuid, DomainStatus.RUNNING, "rebooted");
    }

    @Override
    public String powerOff(String serverUuid) {
        operation("powerOff", serverUuid);
        return transition(serverUuid, DomainStatus.SHUTOFF, "powered off");
    }

    @Override
    public String setUserPassword(String serverUuid, String user, String password) {
        operation("setUserPassword", serverUuid);
        synchronized (this) {
            Domain domain = domains.get(serverUuid);
            if (domain == null || domain.status != DomainStatus.RUNNING) {
                throw new DriverException("simulated host " + host + ": the guest agent of domain " + serverUuid
                        + " does not answer because the domain is not running");
            }
        }
        passwordHashes.put(serverUuid + "/" + user, dev.kiln.security.Passwords.sha512Crypt(password));
        return "password of user " + user + " set through the guest agent of domain " + serverUuid;
    }

    @Override
    public String delete(String serverUuid) {
        operation("delete", serverUuid);
        boolean hadDomain;
        synchronized (this) {
            hadDomain = domains.remove(serverUuid) != null;
        }
        volumes.remove(serverUuid + "_1");
        volumes.remove(serverUuid + "_seed");
        seeds.remove(serverUuid);
        passwordHashes.keySet().removeIf(key -> key.startsWith(serverUuid + "/"));
        return hadDomain ? "domain " + serverUuid + " destroyed and undefined; volumes deleted" : "no domain " + serverUuid + " to delete";
    }

    @Override
    public synchronized DomainStatus status(String serverUuid) {
        operation("status", serverUuid);
        Domain domain = domains.get(serverUuid);
        return domain == null ? DomainStatus.UNDEFINED : domain.status;
    }

    @Override
    public synchronized RemoteState remoteState(String serverUuid) {
        operation("remoteState", serverUuid);
        Domain domain = domains.get(serverUuid);
        if (domain == null) {
            return RemoteState.undefined();
        }
        long kib = domain.memoryMb * 1024L;
        boolean running = domain.status == DomainStatus.RUNNING;
        return new RemoteState(domain.status, 0, running ? kib : 0, running ? kib / 2 : 0, running ? kib : 0,
                running ? kib / 4 : 0, 0, 0);
    }

    @Override
    public void close() {
        // Nothing to release: the simulated host lives in this object.
    }

    private synchronized String transition(String serverUuid, DomainStatus target, String verb) {
        Domain domain = domains.get(serverUuid);
        if (domain == null) {
            throw new DriverException("simulated host " + host + ": domain " + serverUuid + " is not defined");
        }
        domain.status = target;
        return "domain " + serverUuid + " " + verb;
    }

    private void operation(String name, String subject) {
        Integer left = failuresLeft.computeIfPresent(name, (k, v) -> v == Integer.MAX_VALUE ? v : v - 1);
        if (left != null) {
            if (left <= 0 && left != Integer.MAX_VALUE) {
                failuresLeft.remove(name);
            }
            if (left >= 0) {
                throw new DriverException("simulated host " + host + ": " + name + " of " + subject + " failed (injected fault)");
            }
        }
        if (!delay.isZero()) {
            try {
                Thread.sleep(delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DriverException("simulated host " + host + ": " + name + " of " + subject + " interrupted");
            }
        }
    }

    private static void checkOperation(String operation) {
        if (!OPERATIONS.contains(operation)) {
            throw new IllegalArgumentException("unknown simulator operation '" + operation + "'; expected one of " + OPERATIONS);
        }
    }

    private static final class Domain {
        final int memoryMb;
        final int cpuCores;
        DomainStatus status;

        Domain(int memoryMb, int cpuCores, DomainStatus status) {
            this.memoryMb = memoryMb;
            this.cpuCores = cpuCores;
            this.status = status;
        }
    }
}
