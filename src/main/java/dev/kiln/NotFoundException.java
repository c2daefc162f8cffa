package dev.kiln;

/** A referenced entity does not exist; answered 404 with {@code {"msg": message}}. */
public final class NotFoundException extends KilnException {

    public NotFoundException(String message) {
        super(message);
    }
}
