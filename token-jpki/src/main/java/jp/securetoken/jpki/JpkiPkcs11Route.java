package jp.securetoken.jpki;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.SecureTokens;
import jp.securetoken.api.TokenDescriptor;
import jp.securetoken.api.TokenException;
import jp.securetoken.api.TokenNotPresentException;
import jp.securetoken.pkcs11.Pkcs11TokenProvider;

/**
 * The second route to the My Number Card: the JPKI PKCS#11 library of the official client software
 * (named by the load-path file, {@link JpkiLoadPath}), or any library that reads the card such as
 * OpenSC's {@code opensc-pkcs11.so}, opened through {@code token-pkcs11} (SunPKCS11). The official
 * libraries hold one token each (one library per certificate type); OpenSC's holds both, labelled
 * "JPKI (User Authentication PIN)" and "JPKI (Digital Signature PIN)", and this route picks the one
 * asked for. Credentials pair certificate and key by CKA_ID, so both object naming schemes
 * ({@code USERCERT}/{@code USERKEY}/{@code CACERT}, or OpenSC's labels) work.
 *
 * <p>Needs {@code --add-exports jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED} (see
 * token-pkcs11): finding a token by label and signing on a sign-only card use the JDK's wrapper.
 */
public final class JpkiPkcs11Route {

    private JpkiPkcs11Route() {
    }

    /** Opens a token of the card through the library the load-path file names for it. */
    public static SecureToken open(JpkiTokenType type, JpkiLoadPath loadPath) throws TokenException {
        return open(type, loadPath.library(type));
    }

    /**
     * Opens a token of the card through the PKCS#11 library {@code module}.
     *
     * @throws TokenNotPresentException when the library sees no card, or no token of that type
     */
    public static SecureToken open(JpkiTokenType type, Path module) throws TokenException {
        Pkcs11TokenProvider provider = new Pkcs11TokenProvider(module, Duration.ofSeconds(1));
        List<TokenDescriptor> tokens = provider.presentTokens();
        String wanted = type == JpkiTokenType.AUTH ? "authentication" : "signature";
        List<TokenDescriptor> matching = tokens.size() == 1 ? tokens
                : tokens.stream().filter(t -> t.label().toLowerCase(Locale.ROOT).contains(wanted)).toList();
        if (matching.isEmpty()) {
            throw new TokenNotPresentException("no My Number Card " + type.displayName() + " token in " + module
                    + " (tokens there: " + tokens.stream().map(TokenDescriptor::label).toList() + ")");
        }
        return SecureTokens.of(provider).open(matching.get(0).uri());
    }
}
