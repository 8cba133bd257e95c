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
 * that holds a card answering the JPKI application's SELECT.
 *
 * @param type   which of the card's two tokens
 * @param reader the PC/SC reader name, or {@code null} for any reader with a JPKI card
 */
public record JpkiConfig(JpkiTokenType type, String reader) implements TokenConfig {

    /** Validates the parts; a blank reader means any reader. */
    public JpkiConfig {
        Objects.requireNonNull(type, "type");
        if (reader != null && reader.isBlank()) {
            reader = null;
        }
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
        return new JpkiConfig(type, Objects.requireNonNull(readerName, "readerName"));
    }

    /** The reader this configuration names, if any. */
    public Optional<String> readerName() {
        return Optional.ofNullable(reader);
    }

    @Override
    public URI uri() {
        String s = JpkiTokenProvider.SCHEME + ":" + type.uriName();
        if (reader != null) {
            s += "?reader=" + URLEncoder.encode(reader, StandardCharsets.UTF_8).replace("+", "%20");
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
        if (q >= 0 && q + 1 < ssp.length()) {
            for (String param : ssp.substring(q + 1).split("&")) {
                int eq = param.indexOf('=');
                String key = eq < 0 ? param : param.substring(0, eq);
                if (!"reader".equals(key) || eq < 0) {
                    throw new TokenUriException("'" + uri + "' has an unknown parameter '" + key
                            + "'; the only one is reader=<PC/SC reader name>");
                }
                reader = decode(param.substring(eq + 1), uri);
            }
        }
        return new JpkiConfig(type, reader);
    }

    private static String decode(String raw, URI uri) throws TokenUriException {
        try {
            return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new TokenUriException("'" + uri + "' has a badly escaped reader name");
        }
    }
}
