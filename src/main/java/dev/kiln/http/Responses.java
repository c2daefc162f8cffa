package dev.kiln.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;

/** Writes JSON answers; every response of the API goes through here or the error mapper. */
public final class Responses {

    private Responses() {
    }

    public static void json(Context ctx, int status, JsonNode body) {
        try {
            ctx.status(status).contentType("application/json").result(Json.MAPPER.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a response body could not be serialized", e);
        }
    }

    /** Answers 200 with {@code {"data": value}}. */
    public static void data(Context ctx, JsonNode value) {
        json(ctx, 200, Json.data(value));
    }

    public static void data(Context ctx, int status, JsonNode value) {
        json(ctx, status, Json.data(value));
    }

    /** Answers with a status and no body, as VirtFusion does for 204. */
    public static void noContent(Context ctx) {
        ctx.status(204).result("");
    }

    /** Parses a path parameter as a positive id, or answers 404 with the given message. */
    public static long id(Context ctx, String name, String notFoundMessage) {
        String raw = ctx.pathParam(name);
        try {
            long id = Long.parseLong(raw);
            if (id > 0) {
                return id;
            }
        } catch (NumberFormatException ignored) {
            // An id that is not a number names nothing: the same answer as an unknown id.
        }
        throw new dev.kiln.NotFoundException(notFoundMessage);
    }

    public static JsonBody body(Context ctx) {
        return JsonBody.parse(ctx.body());
    }
}
