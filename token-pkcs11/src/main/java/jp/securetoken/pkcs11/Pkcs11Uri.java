package jp.securetoken.pkcs11;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

import jp.securetoken.api.PinCallback;
import jp.securetoken.api.PinText;
import jp.securetoken.api.TokenUriException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PKCS#11 URI as RFC 7512 defines it, e.g.
 * {@code pkcs11:token=Node%20Token;object=node;type=private?module-path=/usr/lib/softhsm/libsofthsm2.so}.
 *
 * <p>Path attributes (separated by {@code ;}) select the library, slot, token and object; query
 * attributes (separated by {@code &}) say how to reach them: {@code module-path}, {@code module-name},
 * {@code pin-source}. Values are percent-decoded as UTF-8; {@code id} is decoded as bytes. Attribute
 * names follow the RFC; an attribute the RFC does not define is refused unless it is a vendor
 * attribute ({@code x-…}), which is kept and otherwise ignored. Each attribute may appear once.
 *
 * <p>{@code pin-value} is refused: a PIN written into an address ends up in logs, shell history and
 * configuration files. Use {@code pin-source=file:/path} (a file readable only by the service) or a
 * {@link jp.securetoken.api.PinCallback}.
 */
public final class Pkcs11Uri {
    private static final Logger LOG = LoggerFactory.getLogger(Pkcs11Uri.class);
    /** Path attributes defined by RFC 7512 section 2.3. */
    private static final Set<String> PATH_ATTRIBUTES = Set.of("id", "library-description", "library-manufacturer",
            "library-version", "manufacturer", "model", "object", "serial", "slot-description", "slot-id",
            "slot-manufacturer", "token", "type");
    /** Query attributes defined by RFC 7512 section 2.3. */
    private static final Set<String> QUERY_ATTRIBUTES = Set.of("pin-source", "pin-value", "module-name",
            "module-path");
    private static final Set<String> TYPES = Set.of("public", "private", "cert", "secret-key", "data");

    private final Map<String, String> path;
    private final Map<String, String> query;
    private final byte[] id;

    private Pkcs11Uri(Map<String, String> path, Map<String, String> query, byte[] id) {
        this.path = Collections.unmodifiableMap(path);
        this.query = Collections.unmodifiableMap(query);
        this.id = id;
    }

    /**
     * Parses a {@code pkcs11:} URI.
     *
     * @throws TokenUriException when it is not a PKCS#11 URI, has a malformed percent-encoding, an
     *                           unknown or repeated attribute, a bad {@code type}, {@code slot-id} or
     *                           {@code library-version}, or carries a {@code pin-value}
     */
    public static Pkcs11Uri parse(String uri) throws TokenUriException {
        if (uri == null) {
            throw new TokenUriException("no address given");
        }
        int colon = uri.indexOf(':');
        if (colon < 0 || !uri.substring(0, colon).equalsIgnoreCase("pkcs11")) {
            throw new TokenUriException("'" + shorten(uri) + "' is not a pkcs11: address (RFC 7512)");
        }
        String rest = uri.substring(colon + 1);
        if (rest.indexOf('#') >= 0) {
            throw new TokenUriException("a pkcs11: address has no fragment ('#' must be written %23)");
        }
        int q = rest.indexOf('?');
        String pathPart = q < 0 ? rest : rest.substring(0, q);
        String queryPart = q < 0 ? "" : rest.substring(q + 1);
        Map<String, String> path = new LinkedHashMap<>();
        byte[] id = null;
        for (String attribute : split(pathPart, ';')) {
            String[] nv = nameValue(attribute, "path");
            if (!PATH_ATTRIBUTES.contains(nv[0]) && !nv[0].startsWith("x-")) {
                throw new TokenUriException("unknown path attribute '" + nv[0] + "'; RFC 7512 defines " + sorted(
                        PATH_ATTRIBUTES) + " and vendor attributes x-…");
            }
            if (path.containsKey(nv[0])) {
                throw new TokenUriException("path attribute '" + nv[0] + "' appears twice");
            }
            if (nv[0].equals("id")) {
                id = decodeBytes(nv[1], "id", false);
                path.put("id", java.util.HexFormat.of().formatHex(id));
            } else {
                path.put(nv[0], decodeText(nv[1], nv[0], false));
            }
        }
        Map<String, String> query = new LinkedHashMap<>();
        for (String attribute : split(queryPart, '&')) {
            String[] nv = nameValue(attribute, "query");
            if (!QUERY_ATTRIBUTES.contains(nv[0]) && !nv[0].startsWith("x-")) {
                throw new TokenUriException("unknown query attribute '" + nv[0] + "'; RFC 7512 defines " + sorted(
                        QUERY_ATTRIBUTES) + " and vendor attributes x-…");
            }
            if (nv[0].equals("pin-value")) {
                throw new TokenUriException("pin-value is refused: a PIN in an address leaks into logs and"
                        + " configuration; use pin-source=file:/path or a PIN callback");
            }
            if (query.containsKey(nv[0])) {
                throw new TokenUriException("query attribute '" + nv[0] + "' appears twice");
            }
            query.put(nv[0], decodeText(nv[1], nv[0], true));
        }
        validate(path, query);
        return new Pkcs11Uri(path, query, id);
    }

    private static void validate(Map<String, String> path, Map<String, String> query) throws TokenUriException {
        String type = path.get("type");
        if (type != null && !TYPES.contains(type)) {
            throw new TokenUriException("type '" + type + "' is not one of " + sorted(TYPES));
        }
        String slot = path.get("slot-id");
        if (slot != null && !slot.matches("[0-9]{1,19}")) {
            throw new TokenUriException("slot-id '" + slot + "' is not a decimal number");
        }
        String version = path.get("library-version");
        if (version != null && !version.matches("[0-9]{1,3}(\\.[0-9]{1,3})?")) {
            throw new TokenUriException("library-version '" + version + "' is not of the form M or M.N");
        }
        String module = query.get("module-path");
        if (module != null && !filePath(module, "module-path").isAbsolute()) {
            throw new TokenUriException("module-path '" + module + "' must be an absolute path to a PKCS#11 library");
        }
        String pinSource = query.get("pin-source");
        if (pinSource != null) {
            pinSourceFile(pinSource);
        }
    }

    /**
     * {@code value} as a path; a NUL or any other control character (which a decoded {@code %00}
     * can put there) is refused rather than left to {@code Path.of}'s unchecked exception.
     */
    private static Path filePath(String value, String name) throws TokenUriException {
        for (int i = 0; i < value.length(); i++) {
            if (Character.isISOControl(value.charAt(i))) {
                throw new TokenUriException(name + " holds a control character (U+"
                        + String.format("%04X", (int) value.charAt(i)) + "); a file path has none");
            }
        }
        try {
            return Path.of(value);
        } catch (java.nio.file.InvalidPathException e) {
            throw new TokenUriException(name + " is not a file path here: " + e.getReason());
        }
    }

    private static Path pinSourceFile(String pinSource) throws TokenUriException {
        if (pinSource.startsWith("file:")) {
            try {
                URI u = new URI(pinSource);
                if (u.getPath() != null && u.getPath().startsWith("/")) {
                    return filePath(u.getPath(), "pin-source");
                }
            } catch (URISyntaxException e) {
                throw new TokenUriException("pin-source '" + pinSource + "' is not a file: URI: " + e.getReason());
            }
        } else if (pinSource.startsWith("/")) {
            return filePath(pinSource, "pin-source");
        }
        throw new TokenUriException("pin-source must name a file (file:/path or /path); other sources such as"
                + " commands are not supported");
    }

    private static String[] nameValue(String attribute, String where) throws TokenUriException {
        int eq = attribute.indexOf('=');
        if (eq <= 0) {
            throw new TokenUriException("the " + where + " attribute '" + shorten(attribute) + "' is not name=value");
        }
        String name = attribute.substring(0, eq).toLowerCase(Locale.ROOT);
        if (!name.matches("[a-z0-9-]+")) {
            throw new TokenUriException("attribute name '" + shorten(name) + "' has characters RFC 7512 does not allow");
        }
        return new String[] {name, attribute.substring(eq + 1)};
    }

    private static java.util.List<String> split(String part, char separator) {
        java.util.List<String> out = new java.util.ArrayList<>();
        if (part.isEmpty()) {
            return out;
        }
        int start = 0;
        for (int i = 0; i <= part.length(); i++) {
            if (i == part.length() || part.charAt(i) == separator) {
                String piece = part.substring(start, i);
                if (!piece.isEmpty()) {
                    out.add(piece);
                }
                start = i + 1;
            }
        }
        return out;
    }

    /** Characters RFC 7512 allows unencoded in a path value (pk11-path-res-avail) besides unreserved ones. */
    private static final String PATH_ALLOWED = ":[]@!$&'()*+,=";
    /** Characters RFC 7512 allows unencoded in a query value (pk11-query-res-avail) besides unreserved ones. */
    private static final String QUERY_ALLOWED = ":[]@!$'()*+,=/?|";

    private static byte[] decodeBytes(String value, String name, boolean inQuery) throws TokenUriException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String allowed = inQuery ? QUERY_ALLOWED : PATH_ALLOWED;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '%') {
                if (i + 2 >= value.length()) {
                    throw new TokenUriException("attribute " + name + " ends in an incomplete %-escape");
                }
                int hi = hexDigit(value.charAt(i + 1));
                int lo = hexDigit(value.charAt(i + 2));
                if (hi < 0 || lo < 0) {
                    throw new TokenUriException("attribute " + name + " has a bad %-escape '"
                            + value.substring(i, i + 3) + "'");
                }
                out.write(hi << 4 | lo);
                i += 2;
            } else if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "-._~".indexOf(c) >= 0
                    || allowed.indexOf(c) >= 0) {
                out.write(c);
            } else {
                throw new TokenUriException("attribute " + name + " has a character that must be %-encoded ("
                        + (c < 0x21 || c > 0x7e ? String.format("U+%04X", (int) c) : "'" + c + "'") + ")");
            }
        }
        return out.toByteArray();
    }

    /** An ASCII hex digit's value, or -1: {@code Character.digit} would also take fullwidth and other digits. */
    private static int hexDigit(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    private static String decodeText(String value, String name, boolean inQuery) throws TokenUriException {
        byte[] bytes = decodeBytes(value, name, inQuery);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new TokenUriException("attribute " + name + " is not UTF-8 after %-decoding");
        }
    }

    private static String shorten(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "…" : s;
    }

    private static String sorted(Set<String> names) {
        return new java.util.TreeSet<>(names).toString();
    }

    /** A path attribute's decoded value, e.g. {@code token}, {@code object}, {@code serial}. */
    public Optional<String> pathAttribute(String name) {
        return Optional.ofNullable(path.get(name));
    }

    /** A query attribute's decoded value, e.g. {@code module-path}. */
    public Optional<String> queryAttribute(String name) {
        return Optional.ofNullable(query.get(name));
    }

    /** The token label ({@code token}). */
    public Optional<String> token() {
        return pathAttribute("token");
    }

    /** The object label ({@code object}), which names a credential. */
    public Optional<String> object() {
        return pathAttribute("object");
    }

    /** The object class ({@code type}): public, private, cert, secret-key or data. */
    public Optional<String> type() {
        return pathAttribute("type");
    }

    /** The object's CKA_ID ({@code id}), decoded to bytes. */
    public Optional<byte[]> id() {
        return Optional.ofNullable(id).map(byte[]::clone);
    }

    /** The slot's number ({@code slot-id}). */
    public OptionalLong slotId() {
        String s = path.get("slot-id");
        return s == null ? OptionalLong.empty() : OptionalLong.of(Long.parseUnsignedLong(s));
    }

    /** The PKCS#11 library ({@code module-path}). */
    public Optional<Path> modulePath() {
        return queryAttribute("module-path").map(Path::of);
    }

    /** The file holding the PIN ({@code pin-source}). */
    public Optional<Path> pinSource() {
        String s = query.get("pin-source");
        if (s == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(pinSourceFile(s));
        } catch (TokenUriException e) {
            throw new IllegalStateException("checked when parsed", e);
        }
    }

    /**
     * A PIN callback reading the {@code pin-source} file at each call: its first line, at most
     * {@link PinText#MAX_BYTES} bytes. An unreadable or over-long file gives no PIN, so login fails with
     * {@link jp.securetoken.api.PinEntryCancelledException}.
     */
    public Optional<PinCallback> pinSourceCallback() {
        return pinSource().map(file -> request -> readPin(file));
    }

    private static char[] readPin(Path file) {
        try (java.io.InputStream in = new java.io.BufferedInputStream(java.nio.file.Files.newInputStream(file))) {
            return PinText.firstLine(in);
        } catch (java.io.IOException e) {
            LOG.warn("The PIN file named by pin-source could not be read: {}", e instanceof PinText.TooLongException
                    ? e.getMessage() : e.getClass().getSimpleName());
            return null;
        }
    }

    /** Vendor attributes ({@code x-…}) of the path and query, decoded, in the order given. */
    public Map<String, String> vendorAttributes() {
        Map<String, String> out = new LinkedHashMap<>();
        path.forEach((k, v) -> {
            if (k.startsWith("x-")) {
                out.put(k, v);
            }
        });
        query.forEach((k, v) -> {
            if (k.startsWith("x-")) {
                out.put(k, v);
            }
        });
        return out;
    }

    /** The same address, attributes in the given order, values %-encoded where RFC 7512 asks. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("pkcs11:");
        String sep = "";
        for (Map.Entry<String, String> e : path.entrySet()) {
            sb.append(sep).append(e.getKey()).append('=');
            if (e.getKey().equals("id")) {
                for (byte b : id) {
                    sb.append('%').append(String.format("%02X", b & 0xff));
                }
            } else {
                sb.append(encode(e.getValue(), false));
            }
            sep = ";";
        }
        sep = "?";
        for (Map.Entry<String, String> e : query.entrySet()) {
            sb.append(sep).append(e.getKey()).append('=').append(encode(e.getValue(), true));
            sep = "&";
        }
        return sb.toString();
    }

    /** {@link #toString()} as a {@link URI}. */
    public URI toUri() {
        return URI.create(toString());
    }

    /** %-encodes a value: unreserved characters and ':' stay as they are, and '/' in the query. */
    static String encode(String value, boolean inQuery) {
        StringBuilder sb = new StringBuilder();
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "-._~:".indexOf(c) >= 0
                    || inQuery && c == '/') {
                sb.append((char) c);
            } else {
                sb.append('%').append(String.format("%02X", c));
            }
        }
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Pkcs11Uri other && path.equals(other.path) && query.equals(other.query);
    }

    @Override
    public int hashCode() {
        return path.hashCode() * 31 + query.hashCode();
    }
}
