package dev.kiln.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.ValidationException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A request body read the way Laravel reads it, which billing modules rely on: an empty body,
 * {@code []} or a body on GET mean "no parameters"; integers may come as numeric strings;
 * booleans as 1/0 or "true"/"false"; {@code null} means "not given"; unknown keys are ignored.
 *
 * <p>Each accessor records a violation instead of throwing, so one 422 lists every bad field;
 * call {@link #validate()} once all fields are read.
 */
public final class JsonBody {

    private static final Pattern INTEGER = Pattern.compile("-?(0|[1-9][0-9]{0,17})");
    private static final Pattern DECIMAL = Pattern.compile("-?[0-9]{1,18}(\\.[0-9]{1,9})?");

    /** Rejects text after the first JSON value, so {@code {"a":1} garbage} is malformed, not {@code {"a":1}}. */
    private static final com.fasterxml.jackson.databind.ObjectReader READER = Json.MAPPER.reader()
            .with(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final ObjectNode fields;
    private final List<String> errors = new ArrayList<>();

    private JsonBody(ObjectNode fields) {
        this.fields = fields;
    }

    /**
     * Parses a raw body.
     *
     * @throws MalformedJsonException when the text is not JSON at all
     * @throws ValidationException when it is JSON but neither an object nor an empty array
     */
    public static JsonBody parse(String raw) {
        String text = raw == null ? "" : raw.strip();
        if (text.isEmpty()) {
            return new JsonBody(Json.object());
        }
        JsonNode node;
        try {
            node = READER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new MalformedJsonException("request body is not valid JSON: " + e.getOriginalMessage());
        }
        if (node == null || node.isNull() || (node.isArray() && node.isEmpty())) {
            return new JsonBody(Json.object());
        }
        if (!node.isObject()) {
            throw new ValidationException("request body must be a JSON object");
        }
        return new JsonBody((ObjectNode) node);
    }

    public static JsonBody empty() {
        return new JsonBody(Json.object());
    }

    /** Returns the body as a JSON object, for callers that pass it on whole (an empty body is {@code {}}). */
    public ObjectNode asObject() {
        return fields;
    }

    /** True when the key is present with a non-null value. */
    public boolean has(String key) {
        return given(key) != null;
    }

    /**
     * Returns the value of a key, or null when it is absent, JSON null or the empty string. Laravel
     * turns empty strings into null before validating, and modules send {@code ""} for "not set".
     */
    private JsonNode given(String key) {
        JsonNode value = fields.get(key);
        if (value == null || value.isNull() || (value.isTextual() && value.textValue().isEmpty())) {
            return null;
        }
        return value;
    }

    public Long requiredLong(String key) {
        if (!has(key)) {
            errors.add("The " + key + " field is required.");
            return null;
        }
        return optionalLong(key);
    }

    /** Reads an integer given as a JSON integer or a string of digits, or null when absent. */
    public Long optionalLong(String key) {
        JsonNode value = given(key);
        if (value == null || value.isNull()) {
            return null;
        }
        if (value.isIntegralNumber() && value.canConvertToLong()) {
            return value.longValue();
        }
        if (value.isTextual() && INTEGER.matcher(value.textValue()).matches()) {
            return Long.parseLong(value.textValue());
        }
        errors.add("The " + key + " field must be an integer (got " + describe(value) + ").");
        return null;
    }

    /** Like {@link #optionalLong} with an inclusive range check. */
    public Long optionalLong(String key, long min, long max) {
        Long value = optionalLong(key);
        if (value != null && (value < min || value > max)) {
            errors.add("The " + key + " field must be between " + min + " and " + max + " (got " + value + ").");
            return null;
        }
        return value;
    }

    public Integer optionalInt(String key, int min, int max) {
        Long value = optionalLong(key, min, max);
        return value == null ? null : value.intValue();
    }

    /** Reads a decimal number given as a JSON number or a numeric string, or null when absent. */
    public BigDecimal optionalDecimal(String key) {
        JsonNode value = given(key);
        if (value == null || value.isNull()) {
            return null;
        }
        // 1e400 parses as an infinite double, which has no decimal value: it is rejected below.
        if (value.isNumber() && (value.isBigDecimal() || Double.isFinite(value.doubleValue()))) {
            return value.decimalValue();
        }
        if (value.isTextual() && DECIMAL.matcher(value.textValue()).matches()) {
            return new BigDecimal(value.textValue());
        }
        errors.add("The " + key + " field must be a number (got " + describe(value) + ").");
        return null;
    }

    /** Reads a boolean given as true/false, 1/0, "1"/"0" or "true"/"false", or null when absent. */
    public Boolean optionalBoolean(String key) {
        JsonNode value = given(key);
        if (value == null || value.isNull()) {
            return null;
        }
        if (value.isBoolean()) {
            return value.booleanValue();
        }
        if (value.isIntegralNumber() && (value.longValue() == 0 || value.longValue() == 1)) {
            return value.longValue() == 1;
        }
        if (value.isTextual()) {
            switch (value.textValue().toLowerCase(Locale.ROOT)) {
                case "1", "true" -> {
                    return true;
                }
                case "0", "false" -> {
                    return false;
                }
                default -> {
                    // falls through to the error below
                }
            }
        }
        errors.add("The " + key + " field must be true or false (got " + describe(value) + ").");
        return null;
    }

    public String requiredString(String key) {
        if (!has(key)) {
            errors.add("The " + key + " field is required.");
            return null;
        }
        return optionalString(key);
    }

    /** Reads a JSON string, or null when absent. Numbers are rejected, as Laravel's string rule rejects them. */
    public String optionalString(String key) {
        JsonNode value = given(key);
        if (value == null || value.isNull()) {
            return null;
        }
        if (value.isTextual() && hasUnpairedSurrogate(value.textValue())) {
            // An escape such as "\ud800" on its own encodes no character, and PostgreSQL would store it as "?".
            errors.add("The " + key + " field is not valid Unicode text: it contains an unpaired surrogate escape.");
            return null;
        }
        if (value.isTextual()) {
            return value.textValue();
        }
        errors.add("The " + key + " field must be a string (got " + describe(value) + ").");
        return null;
    }

    /** Reads a list of integers (each a JSON integer or a numeric string), or null when absent. */
    public List<Long> optionalLongList(String key) {
        JsonNode value = given(key);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isArray()) {
            errors.add("The " + key + " field must be an array of integers (got " + describe(value) + ").");
            return null;
        }
        List<Long> out = new ArrayList<>();
        for (JsonNode item : value) {
            if (item.isIntegralNumber() && item.canConvertToLong()) {
                out.add(item.longValue());
            } else if (item.isTextual() && INTEGER.matcher(item.textValue()).matches()) {
                out.add(Long.parseLong(item.textValue()));
            } else {
                errors.add("The " + key + " field must contain only integers (got " + describe(item) + ").");
                return null;
            }
        }
        return out;
    }

    /** Reads a list of strings, or null when absent. */
    public List<String> optionalStringList(String key) {
        JsonNode value = given(key);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isArray()) {
            errors.add("The " + key + " field must be an array of strings (got " + describe(value) + ").");
            return null;
        }
        List<String> out = new ArrayList<>();
        for (JsonNode item : value) {
            if (!item.isTextual()) {
                errors.add("The " + key + " field must contain only strings (got " + describe(item) + ").");
                return null;
            }
            out.add(item.textValue());
        }
        return out;
    }

    /** Records a violation found by the caller's own rule. */
    public void reject(String error) {
        errors.add(error);
    }

    /** Throws one {@link ValidationException} listing every violation recorded so far. */
    public void validate() {
        if (!errors.isEmpty()) {
            throw new ValidationException(errors);
        }
    }

    private static boolean hasUnpairedSurrogate(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    private static String describe(JsonNode value) {
        String text = value.toString();
        return text.length() > 40 ? text.substring(0, 40) + "…" : text;
    }
}
