package dev.kiln.hypervisors.libvirt;

import dev.kiln.hypervisors.DriverException;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import org.libvirt.Connect;
import org.libvirt.ErrorCallback;
import org.libvirt.LibvirtException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One long-lived libvirt connection to a hypervisor, and the platform threads that make every
 * call on it. A native call pins the thread that makes it, so calls never run on the caller's
 * (possibly virtual) thread. Each call has a deadline. A connection that libvirt reports dead, or
 * that a call timed out on, is dropped, and the next call opens a new one.
 */
final class LibvirtSession implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LibvirtSession.class);

    /**
     * libvirt's default error handler prints every error to stderr, even those that the driver
     * expects and handles (a lookup of an absent domain). Errors still reach Java as
     * {@link LibvirtException}. The field keeps the JNA callback reachable while libvirt keeps a
     * pointer to it.
     */
    private static final ErrorCallback SILENT_ERROR_HANDLER = new ErrorCallback();

    static {
        try {
            Connect.setErrorCallback(SILENT_ERROR_HANDLER);
        } catch (LibvirtException e) {
            log.warn("setting libvirt's error callback failed, so libvirt also prints its errors to"
                    + " stderr: {}", LibvirtErrors.message(e));
        }
    }

    /**
     * Worker threads per hypervisor. Calls beyond this many wait in the queue, within their own
     * deadline, so a few hung native calls cannot starve the process of threads.
     */
    private static final int THREADS = 4;

    private final String hypervisor;
    private final String uri;
    private final ThreadPoolExecutor executor;

    /** The open connection, or null before the first call and after a failure. */
    private final AtomicReference<Connect> connect = new AtomicReference<>();

    /** Held by a worker thread while it opens a connection, so that only one opens at a time. */
    private final ReentrantLock connectLock = new ReentrantLock();

    LibvirtSession(String hypervisor, String uri) {
        this.hypervisor = hypervisor;
        this.uri = uri;
        this.executor = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), threadFactory(hypervisor));
        executor.allowCoreThreadTimeOut(true);
    }

    /** A unit of work on the connection; runs on one of the session's platform threads. */
    @FunctionalInterface
    interface LibvirtCall<T> {
        T run(Connect connect) throws LibvirtException, IOException;
    }

    /**
     * Runs {@code body} on the connection and waits at most {@code timeout} for it, time in the
     * queue included.
     *
     * @param operation what the call does, for messages ("start domain")
     * @param subject the domain or volume concerned, for messages ("domain 8b0e…")
     * @throws DriverException when the call fails, times out or the connection cannot be opened;
     *     a {@link DriverException} thrown by {@code body} passes through unchanged
     */
    <T> T call(String operation, String subject, Duration timeout, LibvirtCall<T> body) {
        Future<T> future;
        try {
            future = executor.submit(() -> runOnConnection(operation, subject, body));
        } catch (RejectedExecutionException e) {
            throw new DriverException(operation + " on hypervisor " + hypervisor + " for " + subject
                    + " failed: the driver is closed");
        }

        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            log.warn("hypervisor {}: {} for {} timed out after {}; the next call opens a new connection",
                    hypervisor, operation, subject, describe(timeout));
            dropConnection();
            throw new DriverException(operation + " on hypervisor " + hypervisor + " for " + subject
                    + " timed out after " + describe(timeout));
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new DriverException(operation + " on hypervisor " + hypervisor + " for " + subject
                    + " was interrupted", e);
        } catch (ExecutionException e) {
            throw unwrap(operation, subject, e.getCause());
        }
    }

    private <T> T runOnConnection(String operation, String subject, LibvirtCall<T> body)
            throws LibvirtException, IOException {
        Connect current = connection();
        try {
            return body.run(current);
        } catch (LibvirtException e) {
            if (!isAlive(current)) {
                log.warn("hypervisor {}: connection lost during {} for {}; the next call reconnects",
                        hypervisor, operation, subject);
                dropConnection(current);
            }
            throw e;
        }
    }

    private Connect connection() {
        Connect current = connect.get();
        if (current != null && isAlive(current)) {
            return current;
        }

        // Only worker threads wait here. The caller's own wait stays bounded by its time-out,
        // even when opening a connection hangs (an unreachable SSH host, for example).
        connectLock.lock();
        try {
            current = connect.get();
            if (current != null && isAlive(current)) {
                return current;
            }
            if (current != null) {
                log.warn("hypervisor {}: libvirt connection is no longer alive; reconnecting",
                        hypervisor);
                dropConnection(current);
            }

            Connect opened;
            try {
                opened = new Connect(uri);
            } catch (LibvirtException e) {
                throw new DriverException("cannot connect to hypervisor " + hypervisor + " at "
                        + redactedUri(uri) + ": " + LibvirtErrors.message(e), e);
            }
            connect.set(opened);
            log.info("hypervisor {}: connected to {}", hypervisor, redactedUri(uri));
            return opened;
        } finally {
            connectLock.unlock();
        }
    }

    private static boolean isAlive(Connect candidate) {
        try {
            return candidate.isAlive();
        } catch (LibvirtException e) {
            return false;
        }
    }

    private void dropConnection() {
        Connect old = connect.getAndSet(null);
        if (old != null) {
            // A call that timed out may still be inside this connection, so close it on a thread
            // of its own rather than on the caller's or a busy worker's.
            Thread.ofPlatform().daemon().name("libvirt-close-" + hypervisor)
                    .start(() -> closeQuietly(old));
        }
    }

    private void dropConnection(Connect failed) {
        if (connect.compareAndSet(failed, null)) {
            closeQuietly(failed);
        }
    }

    private void closeQuietly(Connect target) {
        try {
            target.close();
        } catch (LibvirtException e) {
            log.warn("hypervisor {}: closing the libvirt connection failed: {}", hypervisor,
                    LibvirtErrors.message(e));
        }
    }

    private DriverException unwrap(String operation, String subject, Throwable cause) {
        if (cause instanceof DriverException driverException) {
            return driverException;
        }
        String prefix = operation + " on hypervisor " + hypervisor + " for " + subject + " failed: ";
        if (cause instanceof LibvirtException libvirtException) {
            return new DriverException(prefix + LibvirtErrors.message(libvirtException), cause);
        }
        return new DriverException(prefix + cause, cause);
    }

    /** Closes the connection and stops the threads, waiting at most {@code timeout}. */
    void close(Duration timeout) {
        if (executor.isShutdown()) {
            return;
        }
        Future<?> closing = executor.submit(() -> {
            Connect old = connect.getAndSet(null);
            if (old != null) {
                closeQuietly(old);
            }
        });
        executor.shutdown();
        try {
            closing.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!executor.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("hypervisor {}: libvirt calls still running after {}; abandoning them",
                        hypervisor, describe(timeout));
            }
        } catch (TimeoutException | ExecutionException e) {
            log.warn("hypervisor {}: closing the libvirt connection did not finish in {}: {}",
                    hypervisor, describe(timeout), e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            executor.shutdownNow();
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(10));
    }

    /** Returns the URI without user info and query, which may name key files or tokens. */
    static String redactedUri(String uri) {
        try {
            URI parsed = new URI(uri);
            String host = parsed.getHost() == null ? "" : parsed.getHost();
            String port = parsed.getPort() < 0 ? "" : ":" + parsed.getPort();
            String path = parsed.getPath() == null ? "" : parsed.getPath();
            return parsed.getScheme() + "://" + host + port + path;
        } catch (java.net.URISyntaxException e) {
            return "(unparseable URI)";
        }
    }

    static String describe(Duration timeout) {
        long millis = timeout.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
    }

    private static ThreadFactory threadFactory(String hypervisor) {
        AtomicInteger counter = new AtomicInteger();
        return task -> Thread.ofPlatform()
                .daemon()
                .name("libvirt-" + hypervisor + "-" + counter.incrementAndGet())
                .unstarted(task);
    }
}
