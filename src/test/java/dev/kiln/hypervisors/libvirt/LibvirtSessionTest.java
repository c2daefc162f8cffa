package dev.kiln.hypervisors.libvirt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.hypervisors.DriverException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.libvirt.Connect;

class LibvirtSessionTest {

    private final LibvirtSession session = new LibvirtSession("hv-test", TestHypervisors.uri());
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void close() {
        release.countDown();
        session.close(Duration.ofSeconds(5));
    }

    @Test
    void callTimeoutNamesOperationHostAndDomain() {
        assertThatThrownBy(() -> session.call("start domain", "domain 8b0e", Duration.ofMillis(200),
                connect -> awaitRelease()))
                .isInstanceOf(DriverException.class)
                .hasMessage("start domain on hypervisor hv-test for domain 8b0e timed out after 200 ms");
    }

    @Test
    void callAfterTimeoutReconnects() {
        assertThatThrownBy(() -> session.call("stuck call", "domain 8b0e", Duration.ofMillis(100),
                connect -> awaitRelease()))
                .isInstanceOf(DriverException.class);

        String driverType = session.call("read driver type", "host", Duration.ofSeconds(10), Connect::getType);

        assertThat(driverType).isEqualToIgnoringCase("test");
    }

    /** Blocks a worker thread like a hung native call, until the test ends or cancels it. */
    private Void awaitRelease() {
        try {
            release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return null;
    }

    @Test
    void driverExceptionPassesThrough() {
        DriverException thrown = new DriverException("domain 8b0e is not defined");

        assertThatThrownBy(() -> session.call("start domain", "domain 8b0e", Duration.ofSeconds(10), connect -> {
            throw thrown;
        })).isSameAs(thrown);
    }

    @Test
    void closedSessionRejectsCalls() {
        session.close(Duration.ofSeconds(5));

        assertThatThrownBy(() -> session.call("start domain", "domain 8b0e", Duration.ofSeconds(1), connect -> null))
                .isInstanceOf(DriverException.class)
                .hasMessageContaining("the driver is closed");
    }

    @Test
    void redactedUriDropsQueryAndUser() {
        String uri = "qemu+ssh://root@127.0.0.1:2222/system?keyfile=/etc/kiln/id_ed25519&no_verify=1";

        assertThat(LibvirtSession.redactedUri(uri)).isEqualTo("qemu+ssh://127.0.0.1:2222/system");
    }
}
