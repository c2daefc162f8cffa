package dev.kiln.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The one JSON mapper and node factory of the process. */
public final class Json {

    public static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }

    public static ObjectNode object() {
        return JsonNodeFactory.instance.objectNode();
    }

    public static ArrayNode array() {
        return JsonNodeFactory.instance.arrayNode();
    }

    /** Wraps a value as {@code {"data": value}}, the envelope of every VirtFusion response. */
    public static ObjectNode data(com.fasterxml.jackson.databind.JsonNode value) {
        ObjectNode envelope = object();
        envelope.set("data", value);
        return envelope;
    }
}
