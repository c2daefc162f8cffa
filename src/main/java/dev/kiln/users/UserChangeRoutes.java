package dev.kiln.users;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.ConflictException;
import dev.kiln.NotFoundException;
import dev.kiln.Times;
import dev.kiln.http.Json;
import dev.kiln.http.JsonBody;
import dev.kiln.http.Responses;
import dev.kiln.http.Routes;
import dev.kiln.security.Passwords;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Clock;
import org.jdbi.v3.core.Jdbi;

/**
 * Changes to users and keys: {@code PUT /users/{ext}/byExtRelation} (201),
 * {@code DELETE /users/{ext}/byExtRelation} (204; 409 while the user owns servers),
 * {@code POST /users/{ext}/byExtRelation/resetPassword} (201 with the new password) and
 * {@code DELETE /ssh_keys/{id}} (204). {@code ?relStr=true} looks users up by relation string.
 */
public final class UserChangeRoutes implements Routes {

    private final Jdbi jdbi;
    private final UserStore store;
    private final UserRoutes lookUp;
    private final Clock clock;

    public UserChangeRoutes(Jdbi jdbi, UserStore store, UserRoutes lookUp, Clock clock) {
        this.jdbi = jdbi;
        this.store = store;
        this.lookUp = lookUp;
        this.clock = clock;
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.put("/api/v1/users/{ext}/byExtRelation", this::modify);
        routes.delete("/api/v1/users/{ext}/byExtRelation", this::delete);
        routes.post("/api/v1/users/{ext}/byExtRelation/resetPassword", this::resetPassword);
        routes.delete("/api/v1/ssh_keys/{id}", this::deleteKey);
    }

    private void modify(Context ctx) {
        JsonBody body = Responses.body(ctx);
        String name = body.optionalString("name");
        String email = body.optionalString("email");
        Integer selfService = body.optionalInt("selfService", 0, 3);
        Boolean enabled = body.optionalBoolean("enabled");
        body.validate();
        if (name != null) {
            UserRoutes.checkName(name);
        }
        if (email != null) {
            UserRoutes.checkEmail(email);
        }
        User updated = jdbi.inTransaction(h -> {
            User user = lookUp.lookUp(h, ctx);
            if (email != null && !email.equalsIgnoreCase(user.email()) && store.emailTaken(h, email)) {
                throw new ConflictException("a user with email " + email + " already exists");
            }
            h.createUpdate("UPDATE kiln_user SET name = COALESCE(:name, name), email = COALESCE(:email, email), "
                            + "self_service = COALESCE(:selfService, self_service), "
                            + "suspended = CASE WHEN CAST(:enabled AS BOOLEAN) IS NULL THEN suspended ELSE NOT CAST(:enabled AS BOOLEAN) END, updated = :now WHERE id = :id")
                    .bind("name", name).bind("email", email).bind("selfService", selfService).bind("enabled", enabled)
                    .bind("now", Times.now(clock)).bind("id", user.id()).execute();
            return store.find(h, user.id()).orElseThrow();
        });
        ObjectNode data = Json.object();
        data.put("name", updated.name());
        data.put("email", updated.email());
        data.put("selfService", updated.selfService());
        data.put("enabled", !updated.suspended());
        Responses.data(ctx, 201, data);
    }

    private void delete(Context ctx) {
        jdbi.useTransaction(h -> {
            User user = lookUp.lookUp(h, ctx);
            long servers = h.createQuery("SELECT COUNT(*) FROM server WHERE owner_id = :id").bind("id", user.id())
                    .mapTo(Long.class).one();
            if (servers > 0) {
                throw new ConflictException("user still owns " + servers + " server(s); delete or move them first");
            }
            h.createUpdate("DELETE FROM server_ssh_key WHERE ssh_key_id IN (SELECT id FROM ssh_key WHERE user_id = :id)")
                    .bind("id", user.id()).execute();
            h.createUpdate("DELETE FROM ssh_key WHERE user_id = :id").bind("id", user.id()).execute();
            h.createUpdate("DELETE FROM kiln_user WHERE id = :id").bind("id", user.id()).execute();
        });
        Responses.noContent(ctx);
    }

    private void resetPassword(Context ctx) {
        String password = Passwords.random(30);
        User user = jdbi.inTransaction(h -> {
            User found = lookUp.lookUp(h, ctx);
            h.createUpdate("UPDATE kiln_user SET password_hash = :hash, updated = :now WHERE id = :id")
                    .bind("hash", Passwords.sha512Crypt(password)).bind("now", Times.now(clock)).bind("id", found.id()).execute();
            return found;
        });
        ObjectNode data = Json.object();
        data.put("email", user.email());
        data.put("password", password);
        Responses.data(ctx, 201, data);
    }

    private void deleteKey(Context ctx) {
        long id = Responses.id(ctx, "id", "ssh key not found");
        jdbi.useTransaction(h -> {
            store.findKey(h, id).orElseThrow(() -> new NotFoundException("ssh key not found"));
            // The servers that installed this key keep it in their guests; only the record goes.
            h.createUpdate("DELETE FROM server_ssh_key WHERE ssh_key_id = :id").bind("id", id).execute();
            h.createUpdate("DELETE FROM ssh_key WHERE id = :id").bind("id", id).execute();
        });
        Responses.noContent(ctx);
    }
}
