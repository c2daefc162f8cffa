package dev.kiln.hypervisors;

import dev.kiln.KilnException;

/**
 * A hypervisor operation failed. The message is safe to show to API clients: it names the
 * operation, the host and the domain or volume, never a credential.
 */
public final class DriverException extends KilnException {

    public DriverException(String message) {
        super(message);
    }

    public DriverException(String message, Throwable cause) {
        super(message, cause);
    }
}
