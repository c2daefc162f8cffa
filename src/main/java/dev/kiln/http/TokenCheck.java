package dev.kiln.http;

import dev.kiln.security.Tokens;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import org.jdbi.v3.core.Jdbi;

/**
 * Bearer authentication against the {@code api_token} table, which holds SHA-256 digests only.
 * The scheme is matched case-insensitively and spaces around the token are ignored.
 *
 * <p>A token found in the table is remembered by its digest for {@link #CACHE_TTL}, so a client
 * that sends many requests costs one query per TTL instead of one per request. Unknown tokens are
 * never remembered. The cache holds at most {@link #CACHE_MAX_ENTRIES} digests.
 */
public final class TokenCheck {

    /**
     * How long a token stays accepted without a new lookup. A token row deleted from the table
     * (on this node or another one sharing the database) is still accepted for up to this long.
     */
    static final Duration CACHE_TTL = Duration.ofSeconds(10);

    static final int CACHE_MAX_ENTRIES = 1024;

    private final Jdbi jdbi;
    private final Clock clock;
    private final ConcurrentHashMap<String, Instant> acceptedUntil = new ConcurrentHashMap<>();

    public TokenCheck(Jdbi jdbi, Clock clock) {
        this.jdbi = jdbi;
        this.clock = clock;
    }

    void require(Context ctx) {
        String header = ctx.header("Authorization");
        if (header == null || header.isBlank()) {
            throw new UnauthorizedException("Unauthenticated.");
        }
        String trimmed = header.strip();
        if (trimmed.length() < 7 || !trimmed.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ")) {
            throw new UnauthorizedException("Unauthenticated.");
        }
        String token = trimmed.substring(7).strip();
        if (token.isEmpty() || token.length() > 512) {
            throw new UnauthorizedException("Unauthenticated.");
        }
        if (!isKnown(Tokens.sha256Hex(token))) {
            throw new UnauthorizedException("Unauthenticated.");
        }
    }

    /** Checks whether a token digest is in the table, from the cache while its entry is fresh. */
    boolean isKnown(String hash) {
        Instant now = clock.instant();
        Instant until = acceptedUntil.get(hash);
        if (until != null && now.isBefore(until)) {
            return true;
        }
        boolean known = jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM api_token WHERE token_hash = :hash")
                .bind("hash", hash).mapTo(Long.class).one() > 0);
        if (known) {
            remember(hash, now.plus(CACHE_TTL), now);
        } else {
            acceptedUntil.remove(hash);
        }
        return known;
    }

    private void remember(String hash, Instant until, Instant now) {
        if (acceptedUntil.size() >= CACHE_MAX_ENTRIES) {
            acceptedUntil.values().removeIf(expiry -> !now.isBefore(expiry));
            if (acceptedUntil.size() >= CACHE_MAX_ENTRIES) {
                // Every entry is still fresh: start over rather than grow past the bound.
                acceptedUntil.clear();
            }
        }
        acceptedUntil.put(hash, until);
    }

    /** Digests remembered now, expired ones included until the next clean-up (for tests). */
    int cachedEntries() {
        return acceptedUntil.size();
    }
}
