package jp.securetoken.jpki.emulator;

import java.nio.ByteBuffer;
import java.security.Provider;
import java.util.List;
import java.util.Map;
import javax.smartcardio.ATR;
import javax.smartcardio.Card;
import javax.smartcardio.CardChannel;
import javax.smartcardio.CardException;
import javax.smartcardio.CardNotPresentException;
import javax.smartcardio.CardTerminal;
import javax.smartcardio.CardTerminals;
import javax.smartcardio.CommandAPDU;
import javax.smartcardio.ResponseAPDU;
import javax.smartcardio.TerminalFactory;
import javax.smartcardio.TerminalFactorySpi;

/**
 * A card reader inside the JVM that holds an emulated JPKI card, offered through the standard
 * {@code javax.smartcardio} API ({@link #terminalFactory()}), so that code written for PC/SC runs
 * against the emulator without pcscd: demos, examples, fast tests. Cards can be inserted and
 * removed at any time; a command to a removed card fails as PC/SC reports it
 * ({@code SCARD_W_REMOVED_CARD}).
 */
public final class EmulatedReader {
    /** The reader's name, as {@link CardTerminal#getName()} reports it. */
    public static final String NAME = "securetoken emulated reader 00 00";
    private static final String TYPE = "SecureTokenEmulator";

    private final Object lock = new Object();
    private final AnswerFilter filter;
    private JpkiCardEmulator card;
    private long insertions;

    /**
     * Rewrites the card's answers on their way to the caller, to test a client against a forged or
     * broken card (wrong lengths, huge length headers, odd status words, empty answers).
     */
    @FunctionalInterface
    public interface AnswerFilter {
        /** The answer the caller gets to {@code command}; {@code genuine} is the card's own. */
        byte[] answer(byte[] command, byte[] genuine) throws CardException;
    }

    /** A reader holding {@code card}, or empty when {@code card} is null. */
    public EmulatedReader(JpkiCardEmulator card) {
        this(card, (command, genuine) -> genuine);
    }

    /**
     * A reader holding {@code card} whose answers pass through {@code filter}: a hostile card. An
     * answer shorter than a status word fails the command as the JDK fails pcscd's empty answer
     * ({@code IllegalArgumentException} from {@code ResponseAPDU}).
     */
    public EmulatedReader(JpkiCardEmulator card, AnswerFilter filter) {
        this.card = card;
        this.filter = java.util.Objects.requireNonNull(filter, "filter");
        this.insertions = card == null ? 0 : 1;
    }

    /** Puts a card into the reader (replacing any card there). */
    public void insert(JpkiCardEmulator newCard) {
        synchronized (lock) {
            card = newCard;
            insertions++;
            lock.notifyAll();
        }
    }

    /** Takes the card out: open connections to it fail from now on. */
    public void remove() {
        synchronized (lock) {
            if (card != null) {
                card.powerOff();
            }
            card = null;
            lock.notifyAll();
        }
    }

    /** A {@code javax.smartcardio} factory whose only terminal is this reader. */
    public TerminalFactory terminalFactory() {
        try {
            return TerminalFactory.getInstance(TYPE, null, new ReaderProvider());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("the emulated reader's own provider was refused", e);
        }
    }

    private JpkiCardEmulator cardIfSame(long insertion) throws CardException {
        synchronized (lock) {
            if (card == null || insertions != insertion) {
                throw new CardException("SCARD_W_REMOVED_CARD: the card was removed from " + NAME);
            }
            return card;
        }
    }

    /** Registers the factory type with the JCA as {@code TerminalFactory} service. */
    private final class ReaderProvider extends Provider {
        private static final long serialVersionUID = 1L;

        ReaderProvider() {
            super("SecureTokenEmulatedReader", "1.0", "an in-JVM reader holding an emulated JPKI card");
            putService(new Service(this, "TerminalFactory", TYPE, Spi.class.getName(), List.of(), Map.of()) {
                @Override
                public Object newInstance(Object parameter) {
                    return new Spi();
                }
            });
        }
    }

    private final class Spi extends TerminalFactorySpi {
        @Override
        protected CardTerminals engineTerminals() {
            return new Terminals();
        }
    }

    private final class Terminals extends CardTerminals {
        private final Terminal terminal = new Terminal();
        private boolean lastPresent;

        @Override
        public List<CardTerminal> list(State state) {
            boolean present = terminal.isCardPresent();
            return switch (state) {
                case ALL -> List.of(terminal);
                case CARD_PRESENT -> present ? List.of(terminal) : List.of();
                case CARD_ABSENT -> present ? List.of() : List.of(terminal);
                case CARD_INSERTION, CARD_REMOVAL -> List.of();
            };
        }

        @Override
        public boolean waitForChange(long timeout) throws CardException {
            long deadline = System.currentTimeMillis() + (timeout == 0 ? Long.MAX_VALUE / 2 : timeout);
            synchronized (lock) {
                while (terminal.isCardPresent() == lastPresent) {
                    long left = deadline - System.currentTimeMillis();
                    if (left <= 0) {
                        return false;
                    }
                    try {
                        lock.wait(left);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new CardException("interrupted while waiting for a card change");
                    }
                }
                lastPresent = terminal.isCardPresent();
                return true;
            }
        }
    }

    private final class Terminal extends CardTerminal {
        @Override
        public String getName() {
            return NAME;
        }

        @Override
        public Card connect(String protocol) throws CardException {
            synchronized (lock) {
                if (card == null) {
                    throw new CardNotPresentException("SCARD_E_NO_SMARTCARD: no card in " + NAME);
                }
                return new EmulatedCard(card.powerOn(), insertions);
            }
        }

        @Override
        public boolean isCardPresent() {
            synchronized (lock) {
                return card != null;
            }
        }

        @Override
        public boolean waitForCardPresent(long timeout) throws CardException {
            return waitFor(true, timeout);
        }

        @Override
        public boolean waitForCardAbsent(long timeout) throws CardException {
            return waitFor(false, timeout);
        }

        private boolean waitFor(boolean present, long timeout) throws CardException {
            long deadline = System.currentTimeMillis() + (timeout == 0 ? Long.MAX_VALUE / 2 : timeout);
            synchronized (lock) {
                while ((card != null) != present) {
                    long left = deadline - System.currentTimeMillis();
                    if (left <= 0) {
                        return false;
                    }
                    try {
                        lock.wait(left);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new CardException("interrupted while waiting for the card");
                    }
                }
                return true;
            }
        }
    }

    private final class EmulatedCard extends Card {
        private final ATR atr;
        private final long insertion;
        private final Channel basic = new Channel(this);

        EmulatedCard(byte[] atr, long insertion) {
            this.atr = new ATR(atr);
            this.insertion = insertion;
        }

        @Override
        public ATR getATR() {
            return atr;
        }

        @Override
        public String getProtocol() {
            return "T=1";
        }

        @Override
        public CardChannel getBasicChannel() {
            return basic;
        }

        @Override
        public CardChannel openLogicalChannel() throws CardException {
            throw new CardException("the JPKI application is used on the basic channel only");
        }

        @Override
        public void beginExclusive() {
        }

        @Override
        public void endExclusive() {
        }

        @Override
        public byte[] transmitControlCommand(int controlCode, byte[] command) throws CardException {
            throw new CardException("the emulated reader has no control commands");
        }

        @Override
        public void disconnect(boolean reset) throws CardException {
            if (reset) {
                synchronized (lock) {
                    if (card != null && insertions == insertion) {
                        card.reset();
                    }
                }
            }
        }

        byte[] transmit(byte[] command) throws CardException {
            byte[] response = cardIfSame(insertion).transmit(command);
            cardIfSame(insertion);
            return filter.answer(command, response);
        }
    }

    private static final class Channel extends CardChannel {
        private final EmulatedCard card;

        Channel(EmulatedCard card) {
            this.card = card;
        }

        @Override
        public Card getCard() {
            return card;
        }

        @Override
        public int getChannelNumber() {
            return 0;
        }

        @Override
        public ResponseAPDU transmit(CommandAPDU command) throws CardException {
            return new ResponseAPDU(card.transmit(command.getBytes()));
        }

        @Override
        public int transmit(ByteBuffer command, ByteBuffer response) throws CardException {
            byte[] in = new byte[command.remaining()];
            command.get(in);
            byte[] out = card.transmit(in);
            response.put(out);
            return out.length;
        }

        @Override
        public void close() throws CardException {
            throw new IllegalStateException("the basic channel cannot be closed");
        }
    }
}
