package dev.kiln.users;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.NotFoundException;
import dev.kiln.Times;
import dev.kiln.http.Json;
import dev.kiln.http.Responses;
import dev.kiln.http.Routes;
import dev.kiln.http.UnauthorizedException;
import dev.kiln.security.Passwords;
import dev.kiln.security.Tokens;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.jdbi.v3.core.Jdbi;

/**
 * One-time login tokens: {@code POST /users/{ext}/authenticationTokens} and
 * {@code POST /users/{ext}/serverAuthenticationTokens/{serverId}} return a token pair and the
 * {@code endpoint_complete} path that consumes it; {@code GET /token_authenticate/?1=…&2=…}
 * (no bearer token) checks the pair once, within {@link #TTL}.
 *
 * <p>NOTE: Kiln has no web panel yet, so a valid pair is answered with the user (and server) it
 * was issued for instead of a logged-in panel session.
 */
public final class LoginTokens implements Routes {

    /** How long a token pair stays valid, as VirtFusion issues them. */
    static final Duration TTL = Duration.ofSeconds(60);
    private static final int TOKEN_LENGTH = 100;
    private static final DateTimeFormatter EXPIRES = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'");

    private final Jdbi jdbi;
    private final UserRoutes users;
    private final Clock clock;

    public LoginTokens(Jdbi jdbi, UserRoutes users, Clock clock) {
        this.jdbi = jdbi;
        this.users = users;
        this.clock = clock;
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.post("/api/v1/users/{ext}/authenticationTokens", ctx -> issue(ctx, null));
        routes.post("/api/v1/users/{ext}/serverAuthenticationTokens/{serverId}",
                ctx -> issue(ctx, Responses.id(ctx, "serverId", "server not found")));
        routes.get("/token_authenticate", this::consume);
    }

    private void issue(Context ctx, Long serverId) {
        String first = Passwords.random(TOKEN_LENGTH);
        String second = Passwords.random(TOKEN_LENGTH);
        OffsetDateTime now = Times.now(clock);
        OffsetDateTime expires = now.plus(TTL);
        jdbi.useTransaction(h -> {
            User user = users.lookUp(h, ctx);
            if (serverId != null) {
                long owned = h.createQuery("SELECT COUNT(*) FROM server WHERE id = :id AND owner_id = :owner")
                        .bind("id", serverId).bind("owner", user.id()).mapTo(Long.class).one();
                if (owned == 0) {
                    throw new NotFoundException("server not found");
                }
            }
            h.createUpdate("INSERT INTO login_token (user_id, server_id, first_hash, second_hash, expires, created) "
                            + "VALUES (:user, :server, :first, :second, :expires, :now)")
                    .bind("user", user.id()).bind("server", serverId).bind("first", Tokens.sha256Hex(first))
                    .bind("second", Tokens.sha256Hex(second)).bind("expires", expires).bind("now", now).execute();
        });
        ObjectNode authentication = Json.object();
        authentication.putObject("tokens").put("1", first).put("2", second);
        authentication.put("endpoint", "/token_authenticate");
        authentication.put("endpoint_complete", "/token_authenticate/?1=" + first + "&2=" + second);
        ObjectNode expiry = authentication.putObject("expiry");
        expiry.put("ttl", TTL.toSeconds());
        expiry.put("expires", EXPIRES.format(expires.withOffsetSameInstant(ZoneOffset.UTC)));
        Responses.data(ctx, Json.object().set("authentication", authentication));
    }

    private void consume(Context ctx) {
        String first = ctx.queryParam("1");
        String second = ctx.queryParam("2");
        if (first == null || second == null || first.length() > 200 || second.length() > 200) {
            throw new UnauthorizedException("login tokens missing or invalid");
        }
        OffsetDateTime now = Times.now(clock);
        ObjectNode data = jdbi.inTransaction(h -> {
            var row = h.createQuery("SELECT id, user_id, server_id, second_hash FROM login_token "
                            + "WHERE first_hash = :first AND used IS NULL AND expires > :now")
                    .bind("first", Tokens.sha256Hex(first)).bind("now", now)
                    .mapToMap().findOne()
                    .orElseThrow(() -> new UnauthorizedException("login tokens missing, invalid, expired or already used"));
            if (!Tokens.sha256Hex(second).equals(row.get("second_hash"))) {
                throw new UnauthorizedException("login tokens missing, invalid, expired or already used");
            }
            int claimed = h.createUpdate("UPDATE login_token SET used = :now WHERE id = :id AND used IS NULL")
                    .bind("now", now).bind("id", row.get("id")).execute();
            if (claimed == 0) {
                throw new UnauthorizedException("login tokens missing, invalid, expired or already used");
            }
            ObjectNode out = Json.object();
            out.put("userId", ((Number) row.get("user_id")).longValue());
            Object server = row.get("server_id");
            if (server == null) {
                out.putNull("serverId");
            } else {
                out.put("serverId", ((Number) server).longValue());
            }
            return out;
        });
        Responses.data(ctx, data);
    }
}
