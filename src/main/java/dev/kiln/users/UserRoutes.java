package dev.kiln.users;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.ConflictException;
import dev.kiln.NotFoundException;
import dev.kiln.Times;
import dev.kiln.ValidationException;
import dev.kiln.http.Json;
import dev.kiln.http.JsonBody;
import dev.kiln.http.Responses;
import dev.kiln.http.Routes;
import dev.kiln.security.Passwords;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Clock;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** {@code /users} and {@code /ssh_keys}. */
public final class UserRoutes implements Routes {

    /** Local part, domain and top-level label, none with spaces or control characters (PostgreSQL rejects NUL). */
    private static final Pattern EMAIL = Pattern.compile("[^@\\s\\p{Cntrl}]{1,64}@[^@\\s\\p{Cntrl}]{1,189}\\.[^@\\s.\\p{Cntrl}]{2,63}");
    static final int NAME_MAX = 255;

    private final Jdbi jdbi;
    private final UserStore store;
    private final Clock clock;

    public UserRoutes(Jdbi jdbi, UserStore store, Clock clock) {
        this.jdbi = jdbi;
        this.store = store;
        this.clock = clock;
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.post("/api/v1/users", this::createUser);
        routes.get("/api/v1/users/{ext}/byExtRelation", this::getUser);
        routes.post("/api/v1/ssh_keys", this::createKey);
        routes.get("/api/v1/ssh_keys/{id}", this::getKey);
        routes.get("/api/v1/ssh_keys/user/{userId}", this::keysOfUser);
    }

    private void createUser(Context ctx) {
        JsonBody body = Responses.body(ctx);
        String name = body.requiredString("name");
        String email = body.requiredString("email");
        Long ext = body.optionalLong("extRelationId", 0, Long.MAX_VALUE);
        String relStr = body.optionalString("relStr");
        Integer selfService = body.optionalInt("selfService", 0, 3);
        body.optionalBoolean("sendMail");
        body.validate();
        checkName(name);
        checkEmail(email);
        if (relStr != null && (relStr.isBlank() || relStr.length() > 255 || relStr.chars().anyMatch(Character::isISOControl))) {
            throw new ValidationException("The relStr field must be 1 to 255 characters without control characters.");
        }

        String password = Passwords.random(30);
        User created = jdbi.inTransaction(h -> {
            if (ext != null && store.findByExtRelation(h, ext).isPresent()) {
                throw new ConflictException("a user with extRelationId " + ext + " already exists");
            }
            if (relStr != null && store.findByRelStr(h, relStr).isPresent()) {
                throw new ConflictException("a user with relStr '" + relStr + "' already exists");
            }
            if (store.emailTaken(h, email)) {
                throw new ConflictException("a user with email " + email + " already exists");
            }
            long id = store.insert(h, ext, relStr, name, email, Passwords.sha512Crypt(password),
                    selfService == null ? 0 : selfService, Times.now(clock));
            return store.find(h, id).orElseThrow();
        });
        ObjectNode view = userView(created);
        view.put("password", password);
        Responses.data(ctx, 201, view);
    }

    private void getUser(Context ctx) {
        User user = jdbi.withHandle(h -> lookUp(h, ctx));
        Responses.data(ctx, userView(user));
    }

    /**
     * Finds the user of a {@code /users/{ext}/...} path: by extRelationId, or by relStr when the
     * query has {@code relStr=true}. Unknown users are 404 {@code ext_relation_id not found}.
     */
    public User lookUp(Handle h, Context ctx) {
        String raw = ctx.pathParam("ext");
        boolean byRelStr = "true".equalsIgnoreCase(ctx.queryParam("relStr")) || "1".equals(ctx.queryParam("relStr"));
        if (byRelStr) {
            return store.findByRelStr(h, raw).orElseThrow(() -> new NotFoundException("ext_relation_id not found"));
        }
        // ASCII digits only, because Long.parseLong also reads other scripts' digits (the full-width "１").
        if (!raw.matches("[0-9]{1,18}")) {
            throw new NotFoundException("ext_relation_id not found");
        }
        long ext = Long.parseLong(raw);
        return store.findByExtRelation(h, ext).orElseThrow(() -> new NotFoundException("ext_relation_id not found"));
    }

    private void createKey(Context ctx) {
        JsonBody body = Responses.body(ctx);
        Long userId = body.requiredLong("userId");
        String name = body.requiredString("name");
        String publicKey = body.requiredString("publicKey");
        body.validate();
        checkName(name);
        String normalized = PublicKeys.validate(publicKey);

        SshKey key = jdbi.inTransaction(h -> {
            store.find(h, userId).orElseThrow(() -> new ValidationException("The userId field names no user (" + userId + ")."));
            long id = store.insertKey(h, userId, name, normalized, PublicKeys.displayType(normalized), Times.now(clock));
            return store.findKey(h, id).orElseThrow();
        });
        ObjectNode view = Json.object();
        view.put("id", key.id());
        view.put("name", key.name());
        view.put("type", key.type());
        view.put("createdAt", Times.micros(key.created()));
        Responses.data(ctx, 201, view);
    }

    private void getKey(Context ctx) {
        long id = Responses.id(ctx, "id", "ssh key not found");
        SshKey key = jdbi.withHandle(h -> store.findKey(h, id)).orElseThrow(() -> new NotFoundException("ssh key not found"));
        Responses.data(ctx, keyView(key));
    }

    private void keysOfUser(Context ctx) {
        long userId = Responses.id(ctx, "userId", "user not found");
        ArrayNode keys = Json.array();
        jdbi.useHandle(h -> {
            store.find(h, userId).orElseThrow(() -> new NotFoundException("user not found"));
            store.keysOfUser(h, userId).forEach(k -> keys.add(keyView(k)));
        });
        Responses.data(ctx, keys);
    }

    static void checkEmail(String email) {
        if (email.length() > 254 || !EMAIL.matcher(email).matches()) {
            throw new ValidationException("The email field must be a valid email address.");
        }
    }

    static void checkName(String name) {
        if (name.isBlank()) {
            throw new ValidationException("The name field must not be blank.");
        }
        if (name.length() > NAME_MAX) {
            throw new ValidationException("The name field must be at most " + NAME_MAX + " characters.");
        }
        if (name.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new ValidationException("The name field must not contain control characters.");
        }
    }

    public static ObjectNode userView(User u) {
        ObjectNode out = Json.object();
        out.put("id", u.id());
        out.put("admin", u.admin());
        if (u.extRelationId() == null) {
            out.putNull("extRelationId");
        } else {
            out.put("extRelationId", u.extRelationId());
        }
        out.put("selfService", u.selfService());
        out.putArray("selfServiceHourlyGroupProfiles");
        out.putArray("selfServiceResourceGroupProfiles");
        out.putNull("selfServiceHourlyResourcePack");
        out.put("name", u.name());
        out.put("email", u.email());
        out.put("timezone", u.timezone());
        out.put("suspended", u.suspended());
        out.put("twoFactorAuth", false);
        out.put("created", Times.micros(u.created()));
        out.put("updated", Times.micros(u.updated()));
        return out;
    }

    static ObjectNode keyView(SshKey k) {
        ObjectNode out = Json.object();
        out.put("id", k.id());
        out.put("name", k.name());
        out.put("publicKey", k.publicKey());
        out.put("type", k.type());
        out.put("enabled", k.enabled());
        out.put("created", Times.offset(k.created()));
        out.put("updated", Times.offset(k.updated()));
        return out;
    }
}
