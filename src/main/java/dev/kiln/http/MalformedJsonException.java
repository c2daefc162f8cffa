package dev.kiln.http;

import dev.kiln.KilnException;

/** The request body is not JSON; answered 400 with an {@code errors} list. */
public final class MalformedJsonException extends KilnException {

    public MalformedJsonException(String message) {
        super(message);
    }
}
