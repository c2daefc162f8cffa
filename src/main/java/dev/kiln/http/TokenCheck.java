package dev.kiln.http;

import dev.kiln.security.Tokens;
import io.javalin.http.Context;
import java.util.Locale;
import org.jdbi.v3.core.Jdbi;

/**
 * Bearer authentication against the {@code api_token} table, which holds SHA-256 digests only.
 * The scheme is matched case-insensitively and spaces around the token are ignored.
 */
public final class TokenCheck {

    private final Jdbi jdbi;

    public TokenCheck(Jdbi jdbi) {
        this.jdbi = jdbi;
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
        String hash = Tokens.sha256Hex(token);
        boolean known = jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM api_token WHERE token_hash = :hash")
                .bind("hash", hash).mapTo(Long.class).one() > 0);
        if (!known) {
            throw new UnauthorizedException("Unauthenticated.");
        }
    }
}
