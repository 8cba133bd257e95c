package jp.securetoken.jpki;

import java.util.ArrayList;
import java.util.List;

import javax.smartcardio.CardTerminal;
import javax.smartcardio.TerminalFactory;

import jp.securetoken.api.SecureToken;
import jp.securetoken.api.TokenConfig;
import jp.securetoken.api.TokenDescriptor;
import jp.securetoken.api.TokenEventListener;
import jp.securetoken.api.TokenException;
import jp.securetoken.api.TokenProvider;
import jp.securetoken.api.TokenWatch;

/**
 * The {@code jpki:} token provider, registered with {@link java.util.ServiceLoader}: opens
 * {@code jpki:auth} and {@code jpki:sign} (optionally {@code ?reader=<PC/SC reader name>}, or a
 * {@link JpkiConfig}) as {@link JpkiToken}s, lists the readers holding a My Number Card, and reports
 * cards inserted and removed.
 *
 * <p>Listing and watching recognise a card by SELECT of the JPKI application (answer {@code 9000}).
 * A card whose JPKI application is selected already, as when a token of it is open, is recognised
 * by its token-information EF instead, so that its verified PINs stay verified.
 */
public final class JpkiTokenProvider implements TokenProvider {
    /** The URI scheme: {@code jpki}. */
    public static final String SCHEME = "jpki";

    private final TerminalFactory readers;

    /** The provider over the system's PC/SC readers (pcscd), as {@link java.util.ServiceLoader} makes it. */
    public JpkiTokenProvider() {
        this(null);
    }

    /**
     * The provider over other {@code javax.smartcardio} readers, e.g. the in-JVM
     * {@link jp.securetoken.jpki.emulator.EmulatedReader} for demos and tests without pcscd.
     */
    public JpkiTokenProvider(TerminalFactory readers) {
        this.readers = readers;
    }

    private Readers readers() throws TokenException {
        return readers == null ? Readers.pcsc() : Readers.of(readers);
    }

    @Override
    public String scheme() {
        return SCHEME;
    }

    /**
     * Opens the token and connects to its card.
     *
     * @throws jp.securetoken.api.TokenNotPresentException when no reader, or no My Number Card, is there
     * @throws jp.securetoken.api.TokenUriException        for an address that is not {@code jpki:auth|sign}
     */
    @Override
    public SecureToken open(TokenConfig config) throws TokenException {
        JpkiConfig jpki = config instanceof JpkiConfig c ? c : JpkiConfig.parse(config.uri());
        if (jpki.libraryRoute()) {
            java.nio.file.Path module = jpki.library().equals(JpkiConfig.LOAD_PATH_FILE)
                    ? JpkiLoadPath.read(JpkiLoadPath.find().orElseThrow(() -> new jp.securetoken.api
                            .TokenNotPresentException("no JPKI load-path file (" + JpkiLoadPath.DEFAULT_LOCATIONS
                                    + "): install the JPKI client software, or give module-path=")))
                            .library(jpki.type())
                    : jpki.library();
            return JpkiLibraryToken.open(jpki, module);
        }
        return JpkiToken.open(jpki, readers());
    }

    /** Both tokens of every My Number Card present, each addressed with its reader. */
    @Override
    public List<TokenDescriptor> presentTokens() throws TokenException {
        List<TokenDescriptor> out = new ArrayList<>();
        for (CardTerminal t : readers().withJpkiCard()) {
            for (JpkiTokenType type : JpkiTokenType.values()) {
                out.add(new TokenDescriptor(new JpkiConfig(type, t.getName()).uri(),
                        "My Number Card (" + type.displayName() + ")", "PC/SC reader " + t.getName()));
            }
        }
        return out;
    }

    /** Reports My Number Cards inserted into and removed from any reader until the watch is closed. */
    @Override
    public TokenWatch watch(TokenEventListener listener) throws TokenException {
        return new CardWatch(readers(), listener);
    }
}
