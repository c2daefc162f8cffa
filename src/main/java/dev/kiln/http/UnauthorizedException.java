package dev.kiln.http;

import dev.kiln.KilnException;

/** The bearer token is missing, malformed or unknown; answered 401. */
public final class UnauthorizedException extends KilnException {

    public UnauthorizedException(String message) {
        super(message);
    }
}
