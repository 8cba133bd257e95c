package jp.securetoken.remote;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.jr.ob.JSON;

/**
 * Reads and writes the JSON bodies of the CSC API, strictly: one object, no trailing data, no
 * duplicate names, bounded nesting and string sizes; a field of the wrong type is an error, not a
 * guess. Failures are {@link Malformed}, which the client turns into a typed error.
 */
final class CscJson {
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(16)
                    .maxStringLength(1_000_000).maxNumberLength(20).build())
            .build();
    private static final JSON JSON_RW = JSON.builder(FACTORY).build();

    /** The body could not be understood; the message names the field, never its value. */
    static final class Malformed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Malformed(String message) {
            super(message);
        }
    }

    private CscJson() {
    }

    static Map<String, Object> parse(String body) {
        try (JsonParser p = FACTORY.createParser(body)) {
            if (p.nextToken() != com.fasterxml.jackson.core.JsonToken.START_OBJECT) {
                throw new Malformed("the body is not a JSON object");
            }
            Map<String, Object> map = JSON_RW.mapFrom(p);
            if (p.nextToken() != null) {
                throw new Malformed("data follows the JSON object");
            }
            return map;
        } catch (IOException e) {
            throw new Malformed("the body is not well-formed JSON");
        }
    }

    static String write(Map<String, ?> body) {
        try {
            return JSON_RW.asString(body);
        } catch (IOException e) {
            throw new IllegalStateException("writing a CSC request failed", e);
        }
    }

    static String text(Map<String, Object> m, String name) {
        if (!(m.get(name) instanceof String s)) {
            throw new Malformed("'" + name + "' is missing or not a string");
        }
        return s;
    }

    static String optionalText(Map<String, Object> m, String name) {
        Object v = m.get(name);
        if (v == null) {
            return null;
        }
        if (!(v instanceof String s)) {
            throw new Malformed("'" + name + "' is not a string");
        }
        return s;
    }

    static long number(Map<String, Object> m, String name, long absent) {
        Object v = m.get(name);
        if (v == null) {
            return absent;
        }
        if (!(v instanceof Integer || v instanceof Long)) {
            throw new Malformed("'" + name + "' is not a whole number");
        }
        return ((Number) v).longValue();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> object(Map<String, Object> m, String name) {
        if (!(m.get(name) instanceof Map<?, ?> o)) {
            throw new Malformed("'" + name + "' is missing or not an object");
        }
        return (Map<String, Object>) o;
    }

    static List<Object> list(Map<String, Object> m, String name) {
        if (!(m.get(name) instanceof List<?> l)) {
            throw new Malformed("'" + name + "' is missing or not an array");
        }
        return new ArrayList<>(l);
    }

    static List<String> texts(Map<String, Object> m, String name) {
        List<String> out = new ArrayList<>();
        for (Object o : list(m, name)) {
            if (!(o instanceof String s)) {
                throw new Malformed("'" + name + "' holds a value that is not a string");
            }
            out.add(s);
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> objects(Map<String, Object> m, String name) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Object o : list(m, name)) {
            if (!(o instanceof Map<?, ?> map)) {
                throw new Malformed("'" + name + "' holds a value that is not an object");
            }
            out.add((Map<String, Object>) map);
        }
        return out;
    }

    static byte[] base64(String value, String name) {
        try {
            return Base64.getDecoder().decode(value);
        } catch (IllegalArgumentException e) {
            throw new Malformed("'" + name + "' is not Base64");
        }
    }
}
