package jp.securetoken.cli;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Writes a tree of {@link Map}s (keys in iteration order), {@link List}s, strings, numbers,
 * booleans and nulls as indented JSON (RFC 8259), escaping strings fully.
 */
final class Json {
    private Json() {
    }

    static String write(Object value) {
        StringBuilder out = new StringBuilder();
        write(value, out, 0);
        return out.toString();
    }

    private static void write(Object value, StringBuilder out, int depth) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof String s) {
            quote(s, out);
        } else if (value instanceof Number || value instanceof Boolean) {
            out.append(value);
        } else if (value instanceof Map<?, ?> map) {
            writeEntries(map.entrySet().iterator(), '{', '}', out, depth, true);
        } else if (value instanceof List<?> list) {
            writeEntries(list.iterator(), '[', ']', out, depth, false);
        } else {
            quote(value.toString(), out);
        }
    }

    private static void writeEntries(Iterator<?> items, char open, char close, StringBuilder out, int depth,
            boolean object) {
        out.append(open);
        if (!items.hasNext()) {
            out.append(close);
            return;
        }
        while (items.hasNext()) {
            Object item = items.next();
            out.append('\n').append("  ".repeat(depth + 1));
            if (object) {
                Map.Entry<?, ?> e = (Map.Entry<?, ?>) item;
                quote(String.valueOf(e.getKey()), out);
                out.append(": ");
                write(e.getValue(), out, depth + 1);
            } else {
                write(item, out, depth + 1);
            }
            if (items.hasNext()) {
                out.append(',');
            }
        }
        out.append('\n').append("  ".repeat(depth)).append(close);
    }

    static void quote(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
