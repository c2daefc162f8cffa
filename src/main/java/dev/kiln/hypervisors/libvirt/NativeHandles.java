package dev.kiln.hypervisors.libvirt;

import java.util.ArrayDeque;
import java.util.Deque;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;
import org.libvirt.StoragePool;
import org.libvirt.StorageVol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Frees the libvirt objects of one call when the call ends. Each wrapper holds a native reference
 * that libvirt-java otherwise frees only in a finalizer, whenever the garbage collector runs it.
 */
final class NativeHandles implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(NativeHandles.class);

    @FunctionalInterface
    private interface Release {
        void run() throws LibvirtException;
    }

    private final Deque<Release> releases = new ArrayDeque<>();

    /** Registers {@code domain} (may be null) for freeing and returns it. */
    Domain add(Domain domain) {
        if (domain != null) {
            releases.push(domain::free);
        }
        return domain;
    }

    StorageVol add(StorageVol volume) {
        if (volume != null) {
            releases.push(volume::free);
        }
        return volume;
    }

    StoragePool add(StoragePool pool) {
        if (pool != null) {
            releases.push(pool::free);
        }
        return pool;
    }

    @Override
    public void close() {
        while (!releases.isEmpty()) {
            try {
                releases.pop().run();
            } catch (LibvirtException e) {
                log.debug("freeing a libvirt object failed: {}", LibvirtErrors.message(e));
            }
        }
    }
}
