package dev.kiln.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/** Writes JSON responses. Every response of the API goes through here or the error mapper. */
public final class Responses {

    private static final Pattern ASCII_ID = Pattern.compile("[0-9]{1,18}");

    private Responses() {
    }

    public static void json(Context ctx, int status, JsonNode body) {
        try {
            ctx.status(status).contentType("application/json").result(Json.MAPPER.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a response body could not be serialized", e);
        }
    }

    /** Responds 200 with {@code {"data": value}}. */
    public static void data(Context ctx, JsonNode value) {
        json(ctx, 200, Json.data(value));
    }

    public static void data(Context ctx, int status, JsonNode value) {
        json(ctx, status, Json.data(value));
    }

    /** A function that writes one JSON value to a generator, so that a body needs no tree of nodes. */
    @FunctionalInterface
    public interface JsonWriter {
        void write(JsonGenerator generator) throws IOException;
    }

    /** Responds with {@code {"data": value}}, the value written by {@code value}. */
    public static void data(Context ctx, int status, JsonWriter value) {
        ByteArrayOutputStream body = new ByteArrayOutputStream(8192);
        try (JsonGenerator generator = Json.MAPPER.createGenerator(body)) {
            generator.writeStartObject();
            generator.writeFieldName("data");
            value.write(generator);
            generator.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("a response body could not be written", e);
        }
        ctx.status(status).contentType("application/json").result(body.toByteArray());
    }

    /** Responds 204 with no body, as VirtFusion does. */
    public static void noContent(Context ctx) {
        ctx.status(204).result("");
    }

    /** Parses a path parameter as a positive id, or answers 404 with the given message. */
    public static long id(Context ctx, String name, String notFoundMessage) {
        String raw = ctx.pathParam(name);
        // ASCII digits only, because Long.parseLong also reads other scripts' digits (the full-width "１").
        // An id that is not a number names nothing: the same answer as an unknown id.
        if (ASCII_ID.matcher(raw).matches()) {
            long id = Long.parseLong(raw);
            if (id > 0) {
                return id;
            }
        }
        throw new dev.kiln.NotFoundException(notFoundMessage);
    }

    /**
     * Parses the request body as JSON.
     *
     * @throws MalformedJsonException when the bytes are not UTF-8 (they are never replaced by U+FFFD)
     *     or not JSON
     */
    public static JsonBody body(Context ctx) {
        return JsonBody.parse(strictUtf8(ctx.bodyAsBytes()));
    }

    private static String strictUtf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new MalformedJsonException("request body is not valid UTF-8");
        }
    }
}
