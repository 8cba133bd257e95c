package jp.securetoken.jpki;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

import javax.smartcardio.Card;
import javax.smartcardio.CardChannel;
import javax.smartcardio.CardException;
import javax.smartcardio.CardTerminal;
import javax.smartcardio.CommandAPDU;
import javax.smartcardio.ResponseAPDU;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import jp.securetoken.api.TokenDeviceException;
import jp.securetoken.api.TokenException;

/**
 * One PC/SC connection to a card whose JPKI application is selected, with the card's commands
 * (JPKI.md): SELECT EF, READ BINARY, the PIN status query, VERIFY, CHANGE PIN and SIGN. Used only on
 * the token's queue thread. A lost connection ({@link IllegalStateException} from the JDK once it
 * has seen the card removed, {@link IllegalArgumentException} when pcscd returns an empty response
 * because the card went away mid-command) is reported as a {@link CardException} like every other
 * PC/SC failure.
 *
 * <p>The JDK keeps one {@link Card} per reader for the whole JVM ({@code CardTerminal.connect}
 * returns the same object while it is valid), so both tokens of one card, and the provider's probes,
 * share it. {@link #inTransaction} therefore holds that object's monitor as well as a PC/SC
 * transaction: one command sequence at a time on the card, across the tokens of this JVM (the JDK
 * fails rather than waits when another thread holds the transaction). For the same reason a working
 * connection is never disconnected: only one that has already failed.
 */
final class CardLink {
    private static final Logger log = LoggerFactory.getLogger(CardLink.class);

    static final byte[] AID = HexFormat.of().parseHex("D392F000260100000001");
    private static final int MAX_READ = 256;
    /** The highest offset READ BINARY with a 15-bit offset in P1-P2 reaches. */
    private static final int MAX_OFFSET = 0x7FFF;
    private static final byte TOKEN_INFO = 0x06;
    private static final String TOKEN_INFO_PREFIX = "JPKIAPICCTOKEN";

    private final CardTerminal terminal;
    private final Card card;
    private final CardChannel channel;
    private int answered;

    private CardLink(CardTerminal terminal, Card card) {
        this.terminal = terminal;
        this.card = card;
        this.channel = card.getBasicChannel();
    }

    /**
     * Connects to the card in {@code terminal} and selects the JPKI application.
     *
     * @return the link, or {@code null} when the card does not hold the JPKI application
     */
    static CardLink open(CardTerminal terminal) throws CardException, TokenException {
        Card card = terminal.connect("*");
        int sw;
        try {
            sw = inTransaction(card, () -> ensureApplication(card.getBasicChannel()));
        } catch (CardException | RuntimeException e) {
            disconnectQuietly(card, false);
            throw e;
        }
        if (sw != StatusWords.OK) {
            log.debug("The card in reader {} answered SELECT of the JPKI application with {}", terminal.getName(),
                    StatusWords.hex(sw));
            disconnectQuietly(card, false);
            return null;
        }
        return new CardLink(terminal, card);
    }

    /** SELECT AP of the JPKI application; returns the status word. Clears the card's verified PINs. */
    static int selectApplication(CardChannel channel) throws CardException {
        return channel.transmit(new CommandAPDU(0x00, 0xA4, 0x04, 0x0C, AID)).getSW();
    }

    /**
     * Makes the JPKI application the selected one, sending SELECT AP only when it is not selected
     * already, because SELECT AP makes the card forget its verified PINs (those of a token of this
     * card that is logged in). Returns {@code 9000} when the application is selected.
     */
    static int ensureApplication(CardChannel channel) throws CardException {
        return isApplicationSelected(channel) ? StatusWords.OK : selectApplication(channel);
    }

    /**
     * Whether the JPKI application is already selected: its token-information EF ({@code 0006}) can be
     * selected and reads {@code JPKIAPICCTOKEN…}. Selecting an EF keeps the verified PINs.
     */
    static boolean isApplicationSelected(CardChannel channel) throws CardException {
        int sw = channel.transmit(new CommandAPDU(0x00, 0xA4, 0x02, 0x0C, new byte[] {0x00, TOKEN_INFO})).getSW();
        if (sw != StatusWords.OK) {
            return false;
        }
        ResponseAPDU info = channel.transmit(new CommandAPDU(0x00, 0xB0, 0x00, 0x00, 32));
        return info.getSW() == StatusWords.OK
                && new String(info.getData(), StandardCharsets.US_ASCII).startsWith(TOKEN_INFO_PREFIX);
    }

    String readerName() {
        return terminal.getName();
    }

    /** How many commands the card has answered on this link. */
    int answered() {
        return answered;
    }

    /** A command sequence on this card. */
    @FunctionalInterface
    interface Sequence<T> {
        T run() throws CardException, TokenException;
    }

    /**
     * Runs {@code sequence} with the card to itself: no other thread of this JVM (holding the shared
     * card's monitor) and no other application (PC/SC transaction) sends a command in between.
     */
    <T> T inTransaction(Sequence<T> sequence) throws CardException, TokenException {
        return inTransaction(card, sequence);
    }

    static <T> T inTransaction(Card card, Sequence<T> sequence)
            throws CardException, TokenException {
        synchronized (card) {
            try {
                card.beginExclusive();
            } catch (IllegalStateException e) {
                throw new CardException("the card connection is gone: " + e.getMessage(), e);
            }
            try {
                return sequence.run();
            } finally {
                try {
                    card.endExclusive();
                } catch (CardException | RuntimeException e) {
                    log.debug("Ending the card transaction: {}", e.toString());
                }
            }
        }
    }

    ResponseAPDU transmit(CommandAPDU command) throws CardException {
        try {
            ResponseAPDU r = channel.transmit(command);
            answered++;
            return r;
        } catch (IllegalStateException e) {
            throw new CardException("the card connection is gone: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            // pcscd answers with no bytes at all when the card goes away during the command, and the
            // JDK then fails to build the ResponseAPDU ("apdu must be at least 2 bytes long")
            throw new CardException("the reader returned no response: " + e.getMessage(), e);
        }
    }

    /** SELECT AP again: the card forgets its verified PINs (the only logout the card offers). */
    int reselectApplication() throws CardException {
        int sw = transmit(new CommandAPDU(0x00, 0xA4, 0x04, 0x0C, AID)).getSW();
        return sw;
    }

    /** SELECT EF {@code fid}; fails with the typed error of the status word. */
    void selectFile(int fid) throws CardException, TokenException {
        int sw = transmit(new CommandAPDU(0x00, 0xA4, 0x02, 0x0C, new byte[] {(byte) (fid >> 8), (byte) fid}))
                .getSW();
        if (sw != StatusWords.OK) {
            throw StatusWords.error(sw, "Selecting EF " + fileName(fid));
        }
    }

    /** Reads a certificate's DER from EF {@code fid}; its length comes from its first four bytes. */
    byte[] readCertificate(int fid) throws CardException, TokenException {
        selectFile(fid);
        String what = "Reading EF " + fileName(fid);
        byte[] head = read(0, 4, what);
        if (head.length < 4 || head[0] != 0x30 || (head[1] & 0xFF) != 0x82) {
            throw new TokenDeviceException("EF " + fileName(fid) + " does not start with a DER certificate",
                    "EF " + fileName(fid), null);
        }
        int length = (((head[2] & 0xFF) << 8) | (head[3] & 0xFF)) + 4;
        if (length > MAX_OFFSET + 1) {
            // READ BINARY addresses 15 bits (P1 bit 8 means a short EF identifier): a longer file
            // would have its offsets wrap and its start read again as its end
            throw new TokenDeviceException("EF " + fileName(fid) + " declares a " + length + "-byte certificate,"
                    + " more than READ BINARY can address (" + (MAX_OFFSET + 1) + " bytes)", "EF " + fileName(fid),
                    null);
        }
        ByteArrayOutputStream der = new ByteArrayOutputStream(length);
        while (der.size() < length) {
            int wanted = Math.min(MAX_READ, length - der.size());
            byte[] part = read(der.size(), wanted, what);
            if (part.length == 0 || part.length > wanted) {
                throw new TokenDeviceException("EF " + fileName(fid) + (part.length == 0
                        ? " ends before the certificate does" : " answered more bytes than were asked for"),
                        "EF " + fileName(fid), null);
            }
            der.writeBytes(part);
        }
        return der.toByteArray();
    }

    private byte[] read(int offset, int length, String what) throws CardException, TokenException {
        if (offset < 0 || offset > MAX_OFFSET) {
            throw new IllegalArgumentException("READ BINARY offset " + offset + " is beyond 15 bits");
        }
        ResponseAPDU r = transmit(new CommandAPDU(0x00, 0xB0, offset >> 8, offset & 0xFF, length));
        if (r.getSW() != StatusWords.OK) {
            throw StatusWords.error(r.getSW(), what);
        }
        return r.getData();
    }

    /** The data-less VERIFY: answers {@code 63Cx} with the tries left, spending none. Selects the PIN EF. */
    int pinStatus(int pinFile) throws CardException, TokenException {
        selectFile(pinFile);
        return transmit(new CommandAPDU(0x00, 0x20, 0x00, 0x80)).getSW();
    }

    /** VERIFY of the selected PIN EF; returns the status word. */
    int verify(byte[] pin) throws CardException {
        return transmit(new CommandAPDU(0x00, 0x20, 0x00, 0x80, pin)).getSW();
    }

    /** CHANGE PIN of the selected, verified PIN EF; returns the status word. */
    int changePin(byte[] newPin) throws CardException {
        return transmit(new CommandAPDU(0x00, 0x24, 0x01, 0x80, newPin)).getSW();
    }

    /** SIGN with the key of EF {@code keyFile} over a host-built DigestInfo. */
    ResponseAPDU sign(int keyFile, byte[] digestInfo) throws CardException, TokenException {
        selectFile(keyFile);
        return transmit(new CommandAPDU(0x80, 0x2A, 0x00, 0x80, digestInfo, 256));
    }

    /**
     * Ends a connection that has failed (card removed, reset, or stuck in a state only a reset clears);
     * {@code reset} power-cycles the card so that it forgets its verified PINs.
     */
    void disconnect(boolean reset) {
        disconnectQuietly(card, reset);
    }

    private static void disconnectQuietly(Card card, boolean reset) {
        try {
            card.disconnect(reset);
        } catch (CardException | RuntimeException e) {
            log.debug("Disconnecting from the card: {}", e.toString());
        }
    }

    static String fileName(int fid) {
        return String.format("%04X", fid);
    }
}
