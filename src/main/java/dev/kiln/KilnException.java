package dev.kiln;

/**
 * Base type of Kiln's domain exceptions. The HTTP layer maps subclasses to status codes in one
 * place; the queue worker hands them to its retry-or-fail policy.
 */
public class KilnException extends RuntimeException {

    public KilnException(String message) {
        super(message);
    }

    public KilnException(String message, Throwable cause) {
        super(message, cause);
    }
}
