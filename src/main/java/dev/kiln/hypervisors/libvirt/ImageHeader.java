package dev.kiln.hypervisors.libvirt;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The format and virtual size of a template image, read from its first bytes.
 *
 * <p>A qcow2 image may name a backing file or an external data file by path, and QEMU would open
 * that path on the hypervisor. A template with either is rejected, so a downloaded image can
 * only ever expose its own data. Images in other container formats (VMDK, VHDX, VDI) and
 * compressed files are rejected rather than taken for raw disks.
 *
 * @param format qcow2, or raw for anything without a recognised header
 * @param virtualSizeBytes the disk size visible to the guest
 * @param fileSizeBytes the image file's size, which the upload sends
 */
record ImageHeader(ImageFormat format, long virtualSizeBytes, long fileSizeBytes) {

    private static final int QCOW2_MAGIC = 0x514649fb;
    private static final long QCOW2_INCOMPATIBLE_EXTERNAL_DATA_FILE = 1L << 2;
    private static final int VDI_SIGNATURE = 0xbeda107f;
    private static final int HEADER_BYTES = 512;

    /**
     * Reads the header of the image at {@code path}.
     *
     * @throws InvalidImageException when the image is empty, in a format the driver does not
     *     store, or a qcow2 image that refers to another file
     */
    static ImageHeader read(Path path) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long fileSize = channel.size();
            if (fileSize == 0) {
                throw new InvalidImageException("the image is empty");
            }
            ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.BIG_ENDIAN);
            int read;
            do {
                read = channel.read(header);
            } while (read > 0 && header.hasRemaining());
            header.flip();
            return parse(header, fileSize);
        }
    }

    static ImageHeader parse(ByteBuffer header, long fileSize) {
        if (header.remaining() >= 72 && header.getInt(0) == QCOW2_MAGIC) {
            return parseQcow2(header, fileSize);
        }
        rejectOtherFormats(header);
        return new ImageHeader(ImageFormat.RAW, fileSize, fileSize);
    }

    private static ImageHeader parseQcow2(ByteBuffer header, long fileSize) {
        int version = header.getInt(4);
        if (version != 2 && version != 3) {
            throw new InvalidImageException("qcow2 version " + version
                    + " is not supported: only versions 2 and 3 are");
        }
        long backingFileOffset = header.getLong(8);
        if (backingFileOffset != 0) {
            throw new InvalidImageException("the qcow2 image has a backing file; flatten it first"
                    + " (qemu-img convert -O qcow2 image.qcow2 flat.qcow2)");
        }
        if (version == 3 && header.remaining() >= 80
                && (header.getLong(72) & QCOW2_INCOMPATIBLE_EXTERNAL_DATA_FILE) != 0) {
            throw new InvalidImageException("the qcow2 image keeps its data in an external file;"
                    + " convert it into a self-contained qcow2 first");
        }
        long virtualSize = header.getLong(24);
        if (virtualSize <= 0) {
            throw new InvalidImageException("the qcow2 header gives virtual size " + virtualSize);
        }
        return new ImageHeader(ImageFormat.QCOW2, virtualSize, fileSize);
    }

    private static void rejectOtherFormats(ByteBuffer header) {
        String start = ascii(header, 0, 8);
        if (start.startsWith("KDMV") || start.startsWith("# Disk D")) {
            throw new InvalidImageException("VMDK images are not supported; convert to qcow2 or raw");
        }
        if (start.equals("vhdxfile")) {
            throw new InvalidImageException("VHDX images are not supported; convert to qcow2 or raw");
        }
        if (header.remaining() >= 68
                && header.duplicate().order(ByteOrder.LITTLE_ENDIAN).getInt(64) == VDI_SIGNATURE) {
            throw new InvalidImageException("VDI images are not supported; convert to qcow2 or raw");
        }
        if (header.remaining() >= 2 && (header.get(0) & 0xff) == 0x1f && (header.get(1) & 0xff) == 0x8b) {
            throw new InvalidImageException("the image is gzip-compressed; decompress it first");
        }
        if (start.startsWith("\u00fd7zXZ")) {
            throw new InvalidImageException("the image is xz-compressed; decompress it first");
        }
    }

    private static String ascii(ByteBuffer buffer, int offset, int length) {
        int available = Math.max(0, Math.min(length, buffer.remaining() - offset));
        byte[] bytes = new byte[available];
        buffer.duplicate().position(offset).get(bytes);
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    /** An image that the driver will not store as a template. */
    static final class InvalidImageException extends RuntimeException {

        InvalidImageException(String message) {
            super(message);
        }
    }
}
