package dev.kiln;

/** The request clashes with stored state (a duplicate, a dependent record); answered 409. */
public final class ConflictException extends KilnException {

    public ConflictException(String message) {
        super(message);
    }
}
