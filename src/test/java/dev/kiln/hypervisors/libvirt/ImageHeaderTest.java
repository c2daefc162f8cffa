package dev.kiln.hypervisors.libvirt;

import static dev.kiln.hypervisors.libvirt.LibvirtDriverTest.qcow2Header;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageHeaderTest {

    private static final long GIB = 1L << 30;

    @TempDir
    Path tempDir;

    @Test
    void qcow2VirtualSizeRead() throws IOException {
        Path image = write("plain.qcow2", qcow2Header(3, 0, 5 * GIB));

        ImageHeader header = ImageHeader.read(image);

        assertThat(header.format()).isEqualTo(ImageFormat.QCOW2);
        assertThat(header.virtualSizeBytes()).isEqualTo(5 * GIB);
        assertThat(header.fileSizeBytes()).isEqualTo(512);
    }

    @Test
    void qcow2WithBackingFileRejected() throws IOException {
        Path image = write("layered.qcow2", qcow2Header(2, 0x200, GIB));

        assertThatThrownBy(() -> ImageHeader.read(image))
                .isInstanceOf(ImageHeader.InvalidImageException.class)
                .hasMessageContaining("has a backing file");
    }

    @Test
    void qcow2WithExternalDataFileRejected() throws IOException {
        byte[] bytes = qcow2Header(3, 0, GIB);
        ByteBuffer.wrap(bytes).putLong(72, 1L << 2);
        Path image = write("external.qcow2", bytes);

        assertThatThrownBy(() -> ImageHeader.read(image))
                .isInstanceOf(ImageHeader.InvalidImageException.class)
                .hasMessageContaining("external file");
    }

    @Test
    void qcowVersionOneRejected() throws IOException {
        Path image = write("old.qcow", qcow2Header(1, 0, GIB));

        assertThatThrownBy(() -> ImageHeader.read(image))
                .isInstanceOf(ImageHeader.InvalidImageException.class)
                .hasMessageContaining("qcow2 version 1 is not supported");
    }

    @Test
    void rawSizeIsFileSize() throws IOException {
        Path image = write("disk.raw", new byte[4096]);

        ImageHeader header = ImageHeader.read(image);

        assertThat(header.format()).isEqualTo(ImageFormat.RAW);
        assertThat(header.virtualSizeBytes()).isEqualTo(4096);
    }

    @Test
    void emptyImageRejected() throws IOException {
        Path image = write("empty.img", new byte[0]);

        assertThatThrownBy(() -> ImageHeader.read(image))
                .isInstanceOf(ImageHeader.InvalidImageException.class)
                .hasMessage("the image is empty");
    }

    @Test
    void otherContainersRejected() throws IOException {
        byte[] vmdk = new byte[512];
        System.arraycopy("KDMV".getBytes(StandardCharsets.US_ASCII), 0, vmdk, 0, 4);
        byte[] gzip = new byte[512];
        gzip[0] = 0x1f;
        gzip[1] = (byte) 0x8b;

        assertThatThrownBy(() -> ImageHeader.read(write("disk.vmdk", vmdk)))
                .hasMessageContaining("VMDK images are not supported");
        assertThatThrownBy(() -> ImageHeader.read(write("disk.img.gz", gzip)))
                .hasMessageContaining("gzip-compressed");
    }

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(tempDir.resolve(name), bytes);
    }
}
