package jp.securetoken.jpki;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;

import jp.securetoken.api.TokenConfig;
import jp.securetoken.api.TokenUriException;

/**
 * Opens one logical token of a My Number Card reached through PC/SC. Its address is
 * {@code jpki:auth} or {@code jpki:sign}, optionally with the reader:
 * {@code jpki:auth?reader=Virtual%20PCD%2000%2000}. Without a reader the token uses the first reader
 * that holds a card answering the JPKI application's SELECT. {@code profile=<name>} names the card's
 * layout ({@link JpkiCardProfile}); without it every known layout is tried.
 *
 * @param type    which of the card's two tokens
 * @param reader  the PC/SC reader name, or {@code null} for any reader with a JPKI card
 * @param profile the card's layout, or {@code null} for any known one
 */
public record JpkiConfig(JpkiTokenType type, String reader, JpkiCardProfile profile, java.nio.file.Path library)
        implements TokenConfig {

    /** Validates the parts; a blank reader means any reader. */
    public JpkiConfig {
        Objects.requireNonNull(type, "type");
        if (reader != null && reader.isBlank()) {
            reader = null;
        }
    }

    /** A token on a card of layout {@code profile} (null: any) in {@code reader} (null: any), over PC/SC. */
    public JpkiConfig(JpkiTokenType type, String reader, JpkiCardProfile profile) {
        this(type, reader, profile, null);
    }

    /** A token in {@code reader} of any known card layout. */
    public JpkiConfig(JpkiTokenType type, String reader) {
        this(type, reader, null, null);
    }

    /**
     * The same token through the official JPKI PKCS#11 library ({@code jpki:auth?route=pkcs11}): the
     * library at {@code module}, or, when null, the one the JPKI load-path file names.
     */
    public JpkiConfig throughLibrary(java.nio.file.Path module) {
        return new JpkiConfig(type, null, null, module == null ? LOAD_PATH_FILE : module);
    }

    /** Marks "the library the load-path file names" in {@link #library}. */
    static final java.nio.file.Path LOAD_PATH_FILE = java.nio.file.Path.of("load-path-file");

    /** Whether this token is reached through the official JPKI PKCS#11 library rather than PC/SC. */
    public boolean libraryRoute() {
        return library != null;
    }

    /** The same token on a card of layout {@code cardProfile}. */
    public JpkiConfig withProfile(JpkiCardProfile cardProfile) {
        return new JpkiConfig(type, reader, Objects.requireNonNull(cardProfile, "cardProfile"));
    }

    /** The layouts to try, in order. */
    java.util.List<JpkiCardProfile> profiles() {
        return profile == null ? JpkiCardProfile.known() : java.util.List.of(profile);
    }

    /** The user-authentication token in any reader ({@code jpki:auth}). */
    public static JpkiConfig auth() {
        return new JpkiConfig(JpkiTokenType.AUTH, null);
    }

    /** The signature token in any reader ({@code jpki:sign}). */
    public static JpkiConfig sign() {
        return new JpkiConfig(JpkiTokenType.SIGN, null);
    }

    /** The same token in the reader named {@code readerName}. */
    public JpkiConfig inReader(String readerName) {
        return new JpkiConfig(type, Objects.requireNonNull(readerName, "readerName"), profile, library);
    }

    /** The reader this configuration names, if any. */
    public Optional<String> readerName() {
        return Optional.ofNullable(reader);
    }

    @Override
    public URI uri() {
        String s = JpkiTokenProvider.SCHEME + ":" + type.uriName();
        String sep = "?";
        if (reader != null) {
            s += sep + "reader=" + URLEncoder.encode(reader, StandardCharsets.UTF_8).replace("+", "%20");
            sep = "&";
        }
        if (profile != null) {
            s += sep + "profile=" + profile.name();
            sep = "&";
        }
        if (library != null) {
            s += sep + "route=pkcs11";
            if (!library.equals(LOAD_PATH_FILE)) {
                s += "&module-path=" + URLEncoder.encode(library.toString(), StandardCharsets.UTF_8)
                        .replace("+", "%20").replace("%2F", "/");
            }
        }
        try {
            return new URI(s);
        } catch (URISyntaxException e) {
            throw new IllegalStateException("no jpki: address for reader " + reader, e);
        }
    }

    /**
     * Reads a {@code jpki:} address.
     *
     * @throws TokenUriException when it is not {@code jpki:auth} or {@code jpki:sign} with at most a
     *                           {@code reader} parameter
     */
    public static JpkiConfig parse(URI uri) throws TokenUriException {
        if (uri == null || !JpkiTokenProvider.SCHEME.equalsIgnoreCase(uri.getScheme())) {
            throw new TokenUriException("'" + uri + "' is not a jpki: address");
        }
        String ssp = uri.getRawSchemeSpecificPart();
        int q = ssp.indexOf('?');
        String name = q < 0 ? ssp : ssp.substring(0, q);
        JpkiTokenType type = JpkiTokenType.fromUriName(name);
        if (type == null) {
            throw new TokenUriException("'" + uri + "' names no JPKI token; use jpki:auth or jpki:sign");
        }
        String reader = null;
        JpkiCardProfile profile = null;
        String route = null;
        java.nio.file.Path module = null;
        if (q >= 0 && q + 1 < ssp.length()) {
            for (String param : ssp.substring(q + 1).split("&")) {
                int eq = param.indexOf('=');
                String key = eq < 0 ? param : param.substring(0, eq);
                if (eq < 0 || !java.util.Set.of("reader", "profile", "route", "module-path").contains(key)) {
                    throw new TokenUriException("'" + uri + "' has an unknown parameter '" + key
                            + "'; known are reader=<PC/SC reader name>, profile=<card layout>, route=pkcs11 and"
                            + " module-path=<JPKI library>");
                }
                String value = decode(param.substring(eq + 1), uri);
                switch (key) {
                    case "reader" -> reader = value;
                    case "profile" -> profile = JpkiCardProfile.named(value);
                    case "route" -> route = value;
                    default -> module = java.nio.file.Path.of(value);
                }
            }
        }
        if (route != null && !route.equals("pkcs11") && !route.equals("pcsc")) {
            throw new TokenUriException("'" + uri + "' names an unknown route '" + route + "'; use route=pkcs11 (the"
                    + " official JPKI library) or route=pcsc (the default)");
        }
        boolean library = "pkcs11".equals(route);
        if (module != null && (!library || !module.isAbsolute())) {
            throw new TokenUriException("'" + uri + "': module-path needs route=pkcs11 and an absolute path");
        }
        if (library && (reader != null || profile != null)) {
            throw new TokenUriException("'" + uri + "': reader= and profile= belong to the PC/SC route, not to"
                    + " route=pkcs11 (the library chooses its reader)");
        }
        return library ? new JpkiConfig(type, null, null, module == null ? LOAD_PATH_FILE : module)
                : new JpkiConfig(type, reader, profile, null);
    }

    private static String decode(String raw, URI uri) throws TokenUriException {
        try {
            return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new TokenUriException("'" + uri + "' has a badly escaped reader name");
        }
    }
}
