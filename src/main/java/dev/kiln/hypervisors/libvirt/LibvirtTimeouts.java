package dev.kiln.hypervisors.libvirt;

import java.time.Duration;
import java.util.Objects;

/**
 * Deadlines for the libvirt driver's waits.
 *
 * @param call one libvirt call (connect, lookup, define, start, destroy, small uploads)
 * @param transfer a bulk transfer: fetching and uploading a template, copying a full disk
 * @param tool an external tool run on the Kiln host, such as the ISO builder
 */
record LibvirtTimeouts(Duration call, Duration transfer, Duration tool) {

    static final LibvirtTimeouts DEFAULTS =
            new LibvirtTimeouts(Duration.ofSeconds(60), Duration.ofMinutes(30), Duration.ofSeconds(60));

    LibvirtTimeouts {
        Objects.requireNonNull(call, "call");
        Objects.requireNonNull(transfer, "transfer");
        Objects.requireNonNull(tool, "tool");
        if (call.isNegative() || call.isZero() || transfer.isNegative() || transfer.isZero()
                || tool.isNegative() || tool.isZero()) {
            throw new IllegalArgumentException("libvirt time-outs must be positive: " + call + ", "
                    + transfer + ", " + tool);
        }
    }
}
