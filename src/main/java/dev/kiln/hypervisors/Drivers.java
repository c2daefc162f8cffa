package dev.kiln.hypervisors;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One driver per hypervisor, created on first use and kept for the life of the process, so a
 * libvirt driver keeps its long-lived connection and a simulator its state.
 */
public final class Drivers implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Drivers.class);

    private final Function<Hypervisor, HypervisorDriver> factory;
    private final Map<Long, HypervisorDriver> drivers = new ConcurrentHashMap<>();

    public Drivers(Function<Hypervisor, HypervisorDriver> factory) {
        this.factory = factory;
    }

    public HypervisorDriver forHypervisor(Hypervisor hypervisor) {
        return drivers.computeIfAbsent(hypervisor.id(), id -> factory.apply(hypervisor));
    }

    /** The driver already created for a hypervisor, or null. */
    public HypervisorDriver existing(long hypervisorId) {
        return drivers.get(hypervisorId);
    }

    @Override
    public void close() {
        drivers.forEach((id, driver) -> {
            try {
                driver.close();
            } catch (RuntimeException e) {
                LOG.warn("hypervisor {}: driver did not close cleanly: {}", id, e.getMessage());
            }
        });
        drivers.clear();
    }
}
