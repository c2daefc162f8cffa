package dev.kiln;

/** The server is held by a queued or running action; answered 423 with {@code {"msg": message}}. */
public final class LockedException extends KilnException {

    public LockedException(String message) {
        super(message);
    }
}
