package dev.kiln.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Compares a JSON document with an example of its shape: every key of the example must be
 * present, recursively, with the same JSON type. Extra keys are allowed. An example value of
 * null accepts anything, an integer needs an integer and a fraction accepts any number. For an
 * array, each actual element is compared with the example's first element, and an empty array
 * on either side matches.
 *
 * <p>Paths look like {@code /network/interfaces[]/ipv4[]/address}; keys with dots stay whole.
 */
public final class JsonShape {

    private JsonShape() {
    }

    /**
     * Lists every difference. An empty list means the shapes match.
     *
     * @param nullable paths whose value may be null or absent in {@code actual}
     */
    public static List<String> differences(JsonNode example, JsonNode actual, Set<String> nullable) {
        List<String> out = new ArrayList<>();
        compare("", example, actual, nullable, out);
        return out;
    }

    private static void compare(String path, JsonNode example, JsonNode actual, Set<String> nullable, List<String> out) {
        if (example.isNull()) {
            return;
        }
        if (actual == null || actual.isMissingNode() || actual.isNull()) {
            if (!nullable.contains(path)) {
                out.add(path + ": expected " + type(example) + ", got " + (actual == null || actual.isMissingNode() ? "no key" : "null"));
            }
            return;
        }
        if (!sameType(example, actual)) {
            out.add(path + ": expected " + type(example) + ", got " + type(actual) + " " + abbreviate(actual));
            return;
        }
        if (example.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> fields = example.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                compare(path + "/" + field.getKey(), field.getValue(), actual.get(field.getKey()), nullable, out);
            }
        } else if (example.isArray() && !example.isEmpty()) {
            for (JsonNode element : actual) {
                compare(path + "[]", example.get(0), element, nullable, out);
            }
        }
    }

    private static boolean sameType(JsonNode example, JsonNode actual) {
        if (example.isIntegralNumber()) {
            return actual.isIntegralNumber();
        }
        if (example.isNumber()) {
            return actual.isNumber();
        }
        return example.getNodeType() == actual.getNodeType();
    }

    private static String type(JsonNode node) {
        if (node.isIntegralNumber()) {
            return "integer";
        }
        return node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    }

    private static String abbreviate(JsonNode node) {
        String text = node.toString();
        return text.length() > 60 ? text.substring(0, 60) + "…" : text;
    }
}
