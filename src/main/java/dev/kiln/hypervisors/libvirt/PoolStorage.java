package dev.kiln.hypervisors.libvirt;

import dev.kiln.hypervisors.DiskSpec;
import dev.kiln.hypervisors.DriverException;
import dev.kiln.hypervisors.TemplateImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.libvirt.Connect;
import org.libvirt.LibvirtException;
import org.libvirt.StoragePool;
import org.libvirt.StorageVol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Templates, disks and seeds in one hypervisor's storage pool. */
final class PoolStorage {

    private static final Logger log = LoggerFactory.getLogger(PoolStorage.class);
    private static final long GIB = 1L << 30;
    private static final int FORMAT_CHECK_ATTEMPTS = 10;
    private static final long FORMAT_CHECK_INTERVAL_MS = 500;

    private final String hypervisor;
    private final String poolName;
    private final boolean fullCopyDisks;
    private final LibvirtSession session;
    private final LibvirtTimeouts timeouts;
    private final TemplateSource templateSource;
    private final SeedIso seedIso;

    /** One lock per template volume, so that concurrent builds fetch a template only once. */
    private final Map<String, ReentrantLock> templateLocks = new ConcurrentHashMap<>();

    /** Format of each template volume, as read from its header when fetched or from libvirt. */
    private final Map<String, ImageFormat> templateFormats = new ConcurrentHashMap<>();

    PoolStorage(String hypervisor, String poolName, boolean fullCopyDisks, LibvirtSession session,
            LibvirtTimeouts timeouts) {
        this.hypervisor = hypervisor;
        this.poolName = poolName;
        this.fullCopyDisks = fullCopyDisks;
        this.session = session;
        this.timeouts = timeouts;
        this.templateSource = new TemplateSource(timeouts.call());
        this.seedIso = new SeedIso(timeouts.tool());
    }

    String ensureTemplate(TemplateImage template) {
        String name = requireVolumeName(template.volumeName(), "template volume name");
        ReentrantLock lock = templateLocks.computeIfAbsent(name, key -> new ReentrantLock());
        acquire(lock, name);
        try {
            Optional<ImageFormat> present = session.call("look up template", "volume " + name,
                    timeouts.call(), connect -> presentTemplateFormat(connect, name));
            // NOTE: a volume left half-written by a Kiln process that died during an upload counts
            // as present here. Delete such a volume from the pool by hand to fetch it again.
            if (present.isPresent()) {
                templateFormats.put(name, present.get());
                return "template volume " + name + " already in pool " + poolName + " ("
                        + present.get().libvirtName() + ")";
            }
            return fetchTemplate(template, name);
        } finally {
            lock.unlock();
        }
    }

    private Optional<ImageFormat> presentTemplateFormat(Connect connect, String name)
            throws LibvirtException {
        try (NativeHandles handles = new NativeHandles()) {
            StorageVol volume = Volumes.find(pool(connect, handles), name, handles);
            if (volume == null) {
                return Optional.empty();
            }
            String xml = volume.getXMLDesc(0);
            return Optional.of(VolumeXml.format(xml).orElseThrow(() -> new DriverException(
                    "template volume " + name + " in pool " + poolName + " on hypervisor " + hypervisor
                            + " has a format the driver does not support; store it as qcow2 or raw")));
        }
    }

    private String fetchTemplate(TemplateImage template, String name) {
        String source = TemplateSource.redacted(template.sourceUrl());
        log.info("hypervisor {}: template volume {} is not in pool {}; fetching it from {}", hypervisor,
                name, poolName, source);
        TemplateSource.LocalImage local;
        try {
            local = templateSource.fetch(template.sourceUrl(), timeouts.transfer());
        } catch (IOException e) {
            throw new DriverException("fetching template " + name + " from " + source + " failed: "
                    + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DriverException("fetching template " + name + " from " + source + " was interrupted");
        }

        try {
            ImageHeader header = readHeader(local, name, source);
            upload(name, header, local);
            templateFormats.put(name, header.format());
            log.info("hypervisor {}: uploaded template volume {} ({}, {} bytes) into pool {}", hypervisor,
                    name, header.format().libvirtName(), header.fileSizeBytes(), poolName);
            return "fetched template " + name + " from " + source + " into pool " + poolName + " ("
                    + header.format().libvirtName() + ", " + mebibytes(header.fileSizeBytes()) + ")";
        } finally {
            try {
                local.deleteIfTemporary();
            } catch (IOException e) {
                log.warn("hypervisor {}: could not delete the downloaded template {}: {}", hypervisor,
                        local.path(), e.toString());
            }
        }
    }

    private static ImageHeader readHeader(TemplateSource.LocalImage local, String name, String source) {
        try {
            return ImageHeader.read(local.path());
        } catch (ImageHeader.InvalidImageException e) {
            throw new DriverException("template " + name + " from " + source + " is invalid: "
                    + e.getMessage());
        } catch (IOException e) {
            throw new DriverException("reading template " + name + " from " + source + " failed: "
                    + e.getMessage(), e);
        }
    }

    /**
     * Uploads the image into a raw volume of its exact file size. libvirt probes the bytes when
     * it refreshes the pool, which it does by itself after an upload, and then records a qcow2
     * image as qcow2. A full-copy disk relies on that record, so the upload waits for it.
     */
    private void upload(String name, ImageHeader header, TemplateSource.LocalImage local) {
        session.call("upload template", "volume " + name, timeouts.transfer(), connect -> {
            try (NativeHandles handles = new NativeHandles();
                    InputStream content = Files.newInputStream(local.path())) {
                StoragePool pool = pool(connect, handles);
                String xml = VolumeXml.plain(name, header.fileSizeBytes(), ImageFormat.RAW);
                Volumes.createAndUpload(connect, pool, name, xml, content, header.fileSizeBytes(), handles);
                awaitRecordedFormat(pool, name, header.format(), handles);
                return null;
            }
        });
    }

    private void awaitRecordedFormat(StoragePool pool, String name, ImageFormat expected, NativeHandles handles)
            throws LibvirtException {
        Optional<ImageFormat> recorded;
        for (int attempt = 1; ; attempt++) {
            StorageVol volume = Volumes.find(pool, name, handles);
            recorded = volume == null ? Optional.empty() : VolumeXml.format(volume.getXMLDesc(0));
            if (recorded.equals(Optional.of(expected)) || attempt == FORMAT_CHECK_ATTEMPTS) {
                break;
            }
            refreshQuietly(pool);
            pause(FORMAT_CHECK_INTERVAL_MS);
        }
        if (recorded.equals(Optional.of(expected))) {
            return;
        }

        // A template recorded with the wrong format would give every disk made from it the wrong
        // contents, so it does not stay in the pool.
        Volumes.deleteIfPresent(pool, name, handles);
        throw new DriverException("uploaded template volume " + name + " on hypervisor " + hypervisor
                + ", but libvirt recorded its format as "
                + recorded.map(ImageFormat::libvirtName).orElse("unknown") + " instead of "
                + expected.libvirtName() + "; the volume was deleted, retry the build");
    }

    /** Refreshes the pool; libvirt refuses while another upload into the pool is running. */
    private void refreshQuietly(StoragePool pool) {
        try {
            pool.refresh(0);
        } catch (LibvirtException e) {
            log.debug("hypervisor {}: refreshing pool {} failed: {}", hypervisor, poolName,
                    LibvirtErrors.message(e));
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DriverException("waiting for libvirt to record a template's format was interrupted");
        }
    }

    String createDisk(DiskSpec disk) {
        String name = disk.volumeName();
        String templateName = requireVolumeName(disk.template().volumeName(), "template volume name");
        if (disk.capacityGb() < 1) {
            throw new DriverException("disk " + name + ": capacityGb " + disk.capacityGb()
                    + " is invalid: it must be at least 1");
        }
        long capacity = disk.capacityGb() * GIB;

        boolean replaced = session.call("create disk", "volume " + name,
                fullCopyDisks ? timeouts.transfer() : timeouts.call(), connect -> {
                    try (NativeHandles handles = new NativeHandles()) {
                        return createDisk(pool(connect, handles), name, templateName, capacity, handles);
                    }
                });

        log.info("hypervisor {}: created disk volume {} from template {} ({} GiB, {})", hypervisor, name,
                templateName, disk.capacityGb(), fullCopyDisks ? "full copy" : "qcow2 overlay");
        return "created disk volume " + name + " (" + disk.capacityGb() + " GiB, "
                + (fullCopyDisks ? "full copy of " : "qcow2 overlay on ") + templateName + ")"
                + (replaced ? ", replacing the previous disk" : "");
    }

    /** Creates the disk and returns whether it replaced an older one. */
    private boolean createDisk(StoragePool pool, String name, String templateName, long capacity,
            NativeHandles handles) throws LibvirtException {
        StorageVol template = Volumes.find(pool, templateName, handles);
        if (template == null) {
            throw new DriverException("creating disk " + name + " on hypervisor " + hypervisor
                    + " failed: template volume " + templateName + " is not in pool " + poolName
                    + "; ensure the template first");
        }
        long templateSize = template.getInfo().capacity;
        if (capacity < templateSize) {
            throw new DriverException("creating disk " + name + " on hypervisor " + hypervisor
                    + " failed: " + capacity / GIB + " GiB is smaller than template " + templateName
                    + " (" + gibibytesRoundedUp(templateSize) + " GiB); request at least that size");
        }
        ImageFormat templateFormat = templateFormat(template, templateName);

        // NOTE: a rebuild whose old domain still runs deletes the disk under it. QEMU keeps
        // writing to the deleted file until defineDomain destroys that domain.
        boolean replaced = Volumes.deleteIfPresent(pool, name, handles);
        StorageVol volume;
        if (fullCopyDisks) {
            String xml = VolumeXml.plain(name, capacity, ImageFormat.QCOW2);
            volume = handles.add(pool.storageVolCreateXMLFrom(xml, template, 0));
        } else {
            String xml = VolumeXml.overlay(name, capacity, template.getPath(), templateFormat);
            volume = handles.add(pool.storageVolCreateXML(xml, 0));
        }
        if (volume.getInfo().capacity < capacity) {
            volume.resize(capacity, 0);
        }
        return replaced;
    }

    private ImageFormat templateFormat(StorageVol template, String templateName) throws LibvirtException {
        ImageFormat known = templateFormats.get(templateName);
        if (known != null) {
            return known;
        }
        ImageFormat recorded = VolumeXml.format(template.getXMLDesc(0)).orElseThrow(() ->
                new DriverException("template volume " + templateName + " in pool " + poolName
                        + " has a format the driver does not support; store it as qcow2 or raw"));
        templateFormats.put(templateName, recorded);
        return recorded;
    }

    String writeSeed(String serverUuid, Map<String, byte[]> files) {
        String name = seedVolumeName(serverUuid);
        byte[] iso = seedIso.build(files);

        boolean replaced = session.call("write seed", "volume " + name, timeouts.call(), connect -> {
            try (NativeHandles handles = new NativeHandles()) {
                StoragePool pool = pool(connect, handles);
                boolean existed = Volumes.deleteIfPresent(pool, name, handles);
                String xml = VolumeXml.plain(name, iso.length, ImageFormat.RAW);
                Volumes.createAndUpload(connect, pool, name, xml, new ByteArrayInputStream(iso),
                        iso.length, handles);
                return existed;
            }
        });

        log.info("hypervisor {}: wrote seed volume {} ({} files)", hypervisor, name, files.size());
        return "wrote seed volume " + name + " (" + String.join(", ", files.keySet().stream().sorted().toList())
                + "; " + kibibytes(iso.length) + " ISO)" + (replaced ? ", replacing the previous seed" : "");
    }

    /** Deletes the server's disk and seed volumes and returns the names of those that existed. */
    List<String> deleteServerVolumes(Connect connect, String serverUuid) throws LibvirtException {
        List<String> deleted = new ArrayList<>();
        try (NativeHandles handles = new NativeHandles()) {
            StoragePool pool = pool(connect, handles);
            for (String name : List.of(diskVolumeName(serverUuid), seedVolumeName(serverUuid))) {
                if (Volumes.deleteIfPresent(pool, name, handles)) {
                    deleted.add(name);
                }
            }
        }
        return deleted;
    }

    static String diskVolumeName(String serverUuid) {
        return serverUuid + "_1";
    }

    static String seedVolumeName(String serverUuid) {
        return serverUuid + "_seed";
    }

    private StoragePool pool(Connect connect, NativeHandles handles) throws LibvirtException {
        try {
            return handles.add(connect.storagePoolLookupByName(poolName));
        } catch (LibvirtException e) {
            if (LibvirtErrors.isPoolNotFound(e)) {
                throw new DriverException("storage pool " + poolName + " is not defined on hypervisor "
                        + hypervisor + "; define and start it, or fix the hypervisor's storagePool");
            }
            throw e;
        }
    }

    private void acquire(ReentrantLock lock, String name) {
        try {
            if (!lock.tryLock(timeouts.transfer().toMillis(), TimeUnit.MILLISECONDS)) {
                throw new DriverException("ensuring template " + name + " on hypervisor " + hypervisor
                        + " timed out after " + LibvirtSession.describe(timeouts.transfer())
                        + " waiting for another fetch of the same template");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DriverException("ensuring template " + name + " on hypervisor " + hypervisor
                    + " was interrupted while waiting for another fetch of the same template");
        }
    }

    static String requireVolumeName(String name, String field) {
        if (name == null || name.isBlank() || name.contains("/") || name.equals(".") || name.equals("..")) {
            throw new DriverException(field + " '" + name + "' is invalid: it must be a non-empty file name"
                    + " without '/'");
        }
        return name;
    }

    private static String mebibytes(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024.0));
    }

    private static String kibibytes(long bytes) {
        return String.format(Locale.ROOT, "%d KiB", (bytes + 1023) / 1024);
    }

    private static long gibibytesRoundedUp(long bytes) {
        return (bytes + GIB - 1) / GIB;
    }
}
