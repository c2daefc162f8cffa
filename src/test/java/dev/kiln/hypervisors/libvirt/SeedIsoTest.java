package dev.kiln.hypervisors.libvirt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.hypervisors.DriverException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Builds real seed images with the installed ISO tool and checks their ISO 9660 structure. */
class SeedIsoTest {

    private static final int SECTOR = 2048;
    private static final int FIRST_DESCRIPTOR = 16 * SECTOR;

    private final SeedIso seedIso = new SeedIso(Duration.ofSeconds(30));

    @Test
    void seedHasCidataLabelJolietAndRockRidge() {
        byte[] userData = "#cloud-config\nhostname: web1\n".getBytes(StandardCharsets.UTF_8);
        byte[] metaData = "instance-id: 8b0e2a8e\nlocal-hostname: web1\n".getBytes(StandardCharsets.UTF_8);

        byte[] iso = seedIso.build(Map.of("user-data", userData, "meta-data", metaData,
                "network-config", "version: 2\n".getBytes(StandardCharsets.UTF_8)));

        assertThat(iso.length % SECTOR).as("whole sectors").isZero();
        assertThat(iso[FIRST_DESCRIPTOR]).as("primary volume descriptor type").isEqualTo((byte) 1);
        assertThat(ascii(iso, FIRST_DESCRIPTOR + 1, 5)).isEqualTo("CD001");
        assertThat(ascii(iso, FIRST_DESCRIPTOR + 40, 32).strip()).as("volume label").isEqualTo("cidata");
        assertThat(hasJolietDescriptor(iso)).as("Joliet supplementary descriptor").isTrue();
        assertThat(indexOf(iso, "RRIP_1991A".getBytes(StandardCharsets.US_ASCII))).as("Rock Ridge ER entry")
                .isNotNegative();
        assertThat(indexOf(iso, userData)).as("user-data content").isNotNegative();
        assertThat(indexOf(iso, metaData)).as("meta-data content").isNotNegative();
    }

    @Test
    void emptySeedRejected() {
        assertThatThrownBy(() -> seedIso.build(Map.of()))
                .isInstanceOf(DriverException.class)
                .hasMessageContaining("needs at least meta-data and user-data");
    }

    @Test
    void pathInFileNameRejected() {
        assertThatThrownBy(() -> seedIso.build(Map.of("sub/user-data", new byte[1])))
                .isInstanceOf(DriverException.class)
                .hasMessageContaining("seed file name 'sub/user-data' is invalid");
    }

    /** Finds a supplementary volume descriptor whose escape sequence names UCS-2 (Joliet). */
    private static boolean hasJolietDescriptor(byte[] iso) {
        for (int offset = FIRST_DESCRIPTOR; offset + SECTOR <= iso.length; offset += SECTOR) {
            int type = iso[offset] & 0xff;
            if (type == 255) {
                return false;
            }
            String escape = ascii(iso, offset + 88, 3);
            if (type == 2 && (escape.equals("%/@") || escape.equals("%/C") || escape.equals("%/E"))) {
                return true;
            }
        }
        return false;
    }

    private static String ascii(byte[] bytes, int offset, int length) {
        return new String(bytes, offset, length, StandardCharsets.US_ASCII);
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
