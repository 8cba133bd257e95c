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
    /** Whether the readers are the system's PC/SC ones, whose JDK context can be renewed. */
    private final boolean systemPcsc;

    private Readers(TerminalFactory factory, boolean systemPcsc) {
        this.factory = factory;
        this.systemPcsc = systemPcsc;
    }

    /** The system's PC/SC readers. */
    static Readers pcsc() throws TokenNotPresentException {
        try {
            return new Readers(TerminalFactory.getInstance("PC/SC", null), true);
        } catch (NoSuchAlgorithmException e) {
            throw new TokenNotPresentException("PC/SC is not available to Java (install pcscd and libpcsclite, "
                    + "or point the system property sun.security.smartcardio.library at libpcsclite.so.1)", e);
        }
    }

    /** Readers from another {@code javax.smartcardio} factory (an in-JVM emulated reader). */
    static Readers of(TerminalFactory factory) {
        return new Readers(factory, false);
    }

    /** The readers now; empty when there are none. */
    List<CardTerminal> list() throws TokenNotPresentException {
        return query(CardTerminals.State.ALL);
    }

    /** The readers now that hold a card, from one zero-timeout status query. */
    List<CardTerminal> withCard() throws TokenNotPresentException {
        return query(CardTerminals.State.CARD_PRESENT);
    }

    /**
     * One reader query. When the PC/SC service restarted since the JDK established its context
     * (the context is gone), the context is established again ({@link PcscContext}) and the query
     * asked once more.
     */
    private List<CardTerminal> query(CardTerminals.State state) throws TokenNotPresentException {
        try {
            return listed(state);
        } catch (CardException e) {
            if (!systemPcsc || !PcscContext.lost(e)) {
                throw unreachable(e);
            }
            if (!PcscContext.renewable()) {
                throw new TokenNotPresentException("the PC/SC service (pcscd) restarted, and this JVM cannot reconnect"
                        + " to it: restart the application, or run it with " + PcscContext.FLAG, e);
            }
            try {
                PcscContext.renew();
                return listed(state);
            } catch (CardException again) {
                throw unreachable(again);
            }
        }
    }

    private List<CardTerminal> listed(CardTerminals.State state) throws CardException {
        try {
            return new ArrayList<>(factory.terminals().list(state));
        } catch (CardException e) {
            if (PcscErrors.has(e, "SCARD_E_NO_READERS_AVAILABLE")) {
                return List.of();
            }
            throw e;
        }
    }

    private static TokenNotPresentException unreachable(CardException e) {
        return new TokenNotPresentException("the PC/SC service (pcscd) cannot be reached", e);
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
