package dev.kiln.hypervisors.libvirt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.kiln.hypervisors.DriverException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Template fetches from a file and from an HTTP server of the test's own on 127.0.0.1. */
class TemplateSourceTest {

    private static final byte[] IMAGE = LibvirtDriverTest.qcow2Header(3, 0, 1L << 30);

    private final TemplateSource source = new TemplateSource(Duration.ofSeconds(5));
    private HttpServer server;
    private String baseUrl;

    @TempDir
    Path tempDir;

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/images/debian-12.qcow2", exchange -> {
            exchange.sendResponseHeaders(200, IMAGE.length);
            try (OutputStream body = exchange.getResponseBody()) {
                body.write(IMAGE);
            }
        });
        server.createContext("/", exchange -> {
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
        });
        server.start();
        baseUrl = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    @Test
    void httpDownloadToTemporaryFile() throws Exception {
        TemplateSource.LocalImage local = source.fetch(baseUrl + "/images/debian-12.qcow2", Duration.ofSeconds(10));

        assertThat(local.temporary()).isTrue();
        assertThat(Files.readAllBytes(local.path())).isEqualTo(IMAGE);
        local.deleteIfTemporary();
        assertThat(local.path()).doesNotExist();
    }

    @Test
    void httpNotFoundHidesQuery() {
        String url = baseUrl + "/images/missing.qcow2?token=secret-token";

        assertThatThrownBy(() -> source.fetch(url, Duration.ofSeconds(10)))
                .isInstanceOf(DriverException.class)
                .hasMessage("fetching template from " + baseUrl + "/images/missing.qcow2 failed: HTTP 404")
                .hasMessageNotContaining("secret-token");
    }

    @Test
    void fileUrlUsedInPlace() throws Exception {
        Path image = Files.write(tempDir.resolve("local.qcow2"), IMAGE);

        TemplateSource.LocalImage local = source.fetch(image.toUri().toString(), Duration.ofSeconds(10));

        assertThat(local.temporary()).isFalse();
        assertThat(local.path()).isEqualTo(image);
    }

    @Test
    void unsupportedSchemeRejected() {
        assertThatThrownBy(() -> source.fetch("ftp://127.0.0.1/debian-12.qcow2", Duration.ofSeconds(10)))
                .isInstanceOf(DriverException.class)
                .hasMessageContaining("is not supported: use a file:, http: or https: URL");
    }
}
