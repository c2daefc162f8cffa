package dev.kiln.hypervisors.libvirt;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import org.libvirt.Connect;
import org.libvirt.LibvirtException;
import org.libvirt.StoragePool;
import org.libvirt.StorageVol;
import org.libvirt.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Storage volume steps shared by templates, disks and seeds. Runs on a session thread. */
final class Volumes {

    private static final Logger log = LoggerFactory.getLogger(Volumes.class);
    private static final int CHUNK_BYTES = 256 * 1024;

    private Volumes() {
    }

    /** Returns the volume, or null when the pool has none of that name. */
    static StorageVol find(StoragePool pool, String name, NativeHandles handles) throws LibvirtException {
        try {
            return handles.add(pool.storageVolLookupByName(name));
        } catch (LibvirtException e) {
            if (LibvirtErrors.isVolumeNotFound(e)) {
                return null;
            }
            throw e;
        }
    }

    /** Deletes the named volume if it exists and returns whether it did. */
    static boolean deleteIfPresent(StoragePool pool, String name, NativeHandles handles)
            throws LibvirtException {
        StorageVol volume = find(pool, name, handles);
        if (volume == null) {
            return false;
        }
        volume.delete(0);
        return true;
    }

    /**
     * Creates a volume from {@code xml} and fills it with {@code length} bytes from {@code content}
     * by a libvirt stream. A volume whose upload fails is deleted again.
     */
    static StorageVol createAndUpload(Connect connect, StoragePool pool, String name, String xml,
            InputStream content, long length, NativeHandles handles) throws LibvirtException, IOException {
        StorageVol volume = handles.add(pool.storageVolCreateXML(xml, 0));
        try {
            upload(connect, volume, content, length);
            return volume;
        } catch (LibvirtException | IOException | RuntimeException e) {
            deleteAfterFailure(volume, name);
            throw e;
        }
    }

    private static void upload(Connect connect, StorageVol volume, InputStream content, long length)
            throws LibvirtException, IOException {
        Stream stream = connect.streamNew(0);
        boolean finished = false;
        try {
            volume.upload(stream, 0, length, 0);
            long sent = 0;
            byte[] buffer = new byte[CHUNK_BYTES];
            int read;
            while ((read = content.read(buffer)) > 0) {
                sendFully(stream, Arrays.copyOf(buffer, read));
                sent += read;
            }
            if (sent != length) {
                throw new IOException("upload source ended after " + sent + " of " + length + " bytes");
            }
            stream.finish();
            finished = true;
        } finally {
            if (!finished) {
                abortQuietly(stream);
            }
            stream.free();
        }
    }

    /** Sends all of {@code data}; a blocking libvirt stream may accept less than offered per call. */
    private static void sendFully(Stream stream, byte[] data) throws LibvirtException, IOException {
        byte[] remaining = data;
        while (remaining.length > 0) {
            int sent = stream.send(remaining);
            if (sent <= 0) {
                throw new IOException("libvirt stream accepted no data (send returned " + sent + ")");
            }
            remaining = Arrays.copyOfRange(remaining, sent, remaining.length);
        }
    }

    private static void abortQuietly(Stream stream) {
        try {
            stream.abort();
        } catch (LibvirtException e) {
            log.debug("aborting a libvirt stream failed: {}", LibvirtErrors.message(e));
        }
    }

    private static void deleteAfterFailure(StorageVol volume, String name) {
        try {
            volume.delete(0);
        } catch (LibvirtException e) {
            log.warn("volume {}: upload failed and deleting the partial volume failed too; delete it"
                    + " by hand: {}", name, LibvirtErrors.message(e));
        }
    }
}
