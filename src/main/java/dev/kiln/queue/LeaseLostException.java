package dev.kiln.queue;

import dev.kiln.KilnException;

/** The worker's lease on a queue item lapsed and another worker may now hold it. */
public final class LeaseLostException extends KilnException {

    public LeaseLostException(long itemId) {
        super("queue item " + itemId + ": lease lost; another worker may have taken the item over");
    }
}
