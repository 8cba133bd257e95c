package jp.securetoken.jpki;

import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

import javax.smartcardio.Card;
import javax.smartcardio.CardException;
import javax.smartcardio.CardTerminal;
import javax.smartcardio.CardTerminals;
import javax.smartcardio.TerminalFactory;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import jp.securetoken.api.TokenException;
import jp.securetoken.api.TokenNotPresentException;

/**
 * The PC/SC readers as {@code javax.smartcardio} sees them (through pcscd on Linux; the JDK finds
 * {@code libpcsclite} itself or through the system property
 * {@code sun.security.smartcardio.library}), and the check that a card holds the JPKI application.
 */
final class Readers {
    private static final Logger log = LoggerFactory.getLogger(Readers.class);

    private final TerminalFactory factory;

    private Readers(TerminalFactory factory) {
        this.factory = factory;
    }

    /** The system's PC/SC readers. */
    static Readers pcsc() throws TokenNotPresentException {
        try {
            return new Readers(TerminalFactory.getInstance("PC/SC", null));
        } catch (NoSuchAlgorithmException e) {
            throw new TokenNotPresentException("PC/SC is not available to Java (install pcscd and libpcsclite, "
                    + "or point the system property sun.security.smartcardio.library at libpcsclite.so.1)", e);
        }
    }

    /** Readers from another {@code javax.smartcardio} factory (an in-JVM emulated reader). */
    static Readers of(TerminalFactory factory) {
        return new Readers(factory);
    }

    /** The readers now; empty when there are none. */
    List<CardTerminal> list() throws TokenNotPresentException {
        try {
            return new ArrayList<>(factory.terminals().list());
        } catch (CardException e) {
            if (PcscErrors.has(e, "SCARD_E_NO_READERS_AVAILABLE")) {
                return List.of();
            }
            throw new TokenNotPresentException("the PC/SC service (pcscd) cannot be reached", e);
        }
    }

    /** The readers now that hold a card, from one zero-timeout status query. */
    List<CardTerminal> withCard() throws TokenNotPresentException {
        try {
            return new ArrayList<>(factory.terminals().list(CardTerminals.State.CARD_PRESENT));
        } catch (CardException e) {
            if (PcscErrors.has(e, "SCARD_E_NO_READERS_AVAILABLE")) {
                return List.of();
            }
            throw new TokenNotPresentException("the PC/SC service (pcscd) cannot be reached", e);
        }
    }

    /** The readers now that hold a card answering SELECT of the JPKI application with {@code 9000}. */
    List<CardTerminal> withJpkiCard() throws TokenNotPresentException {
        List<CardTerminal> out = new ArrayList<>();
        for (CardTerminal t : withCard()) {
            if (holdsJpkiCard(t)) {
                out.add(t);
            }
        }
        return out;
    }

    /**
     * Whether {@code reader} holds a card whose JPKI application answers SELECT with {@code 9000}. When
     * the application is selected already (a token of this JVM uses the card), it is not selected again,
     * so a logged-in token stays logged in.
     */
    static boolean holdsJpkiCard(CardTerminal reader) {
        try {
            if (!reader.isCardPresent()) {
                return false;
            }
            // the JVM's shared connection to the card (see CardLink), left connected for its tokens
            Card card = reader.connect("*");
            return CardLink.inTransaction(card, () -> CardLink.ensureApplication(card.getBasicChannel(),
                    JpkiCardProfile.known())) != null;
        } catch (CardException | TokenException | RuntimeException e) {
            log.debug("No JPKI card readable in reader {}: {}", reader.getName(), e.toString());
            return false;
        }
    }
}
