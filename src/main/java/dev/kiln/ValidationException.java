package dev.kiln;

import java.util.List;

/**
 * Request input breaks a rule; answered 422 with {@code {"errors": [...]}}, one human-readable
 * sentence per violation, each naming the offending field.
 */
public final class ValidationException extends KilnException {

    private final List<String> errors;

    public ValidationException(List<String> errors) {
        super(String.join("; ", errors));
        this.errors = List.copyOf(errors);
    }

    public ValidationException(String error) {
        this(List.of(error));
    }

    public List<String> errors() {
        return errors;
    }
}
