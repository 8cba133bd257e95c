package jp.securetoken.jpki;

import java.nio.ByteBuffer;
import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.util.List;
import java.util.Map;

import javax.smartcardio.ATR;
import javax.smartcardio.Card;
import javax.smartcardio.CardChannel;
import javax.smartcardio.CardException;
import javax.smartcardio.CardTerminal;
import javax.smartcardio.CardTerminals;
import javax.smartcardio.CommandAPDU;
import javax.smartcardio.ResponseAPDU;
import javax.smartcardio.TerminalFactory;
import javax.smartcardio.TerminalFactorySpi;

import jp.securetoken.jpki.emulator.JpkiCardEmulator;

/**
 * Test-only: a reader holding a hostile card. Every command goes to a real emulated JPKI card, and
 * a {@link Tamper} may then replace the card's answer with anything (wrong lengths, huge length
 * headers, odd status words), the way a forged or broken card would. Used by the hostile-card tests
 * and the APDU fuzz target.
 */
final class HostileReader {
    /** Rewrites one answer of the card; returning {@code genuine} leaves it alone. */
    @FunctionalInterface
    interface Tamper {
        byte[] answer(byte[] command, byte[] genuine) throws CardException;
    }

    private static final String TYPE = "SecureTokenHostileReader";
    private final JpkiCardEmulator card;
    private final Tamper tamper;

    HostileReader(JpkiCardEmulator card, Tamper tamper) {
        this.card = card;
        this.tamper = tamper;
    }

    TerminalFactory terminalFactory() {
        try {
            return TerminalFactory.getInstance(TYPE, null, new HostileProvider());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private final class HostileProvider extends Provider {
        private static final long serialVersionUID = 1L;

        HostileProvider() {
            super("SecureTokenHostileReader", "1.0", "a reader holding a hostile card (tests)");
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
            return new CardTerminals() {
                @Override
                public List<CardTerminal> list(State state) {
                    return state == State.CARD_ABSENT || state == State.CARD_INSERTION || state == State.CARD_REMOVAL
                            ? List.of() : List.of(new Terminal());
                }

                @Override
                public boolean waitForChange(long timeout) {
                    return false;
                }
            };
        }
    }

    private final class Terminal extends CardTerminal {
        @Override
        public String getName() {
            return "securetoken hostile reader 00 00";
        }

        @Override
        public Card connect(String protocol) {
            return new HostileCard(card.isPowered() ? card.atr() : card.powerOn());
        }

        @Override
        public boolean isCardPresent() {
            return true;
        }

        @Override
        public boolean waitForCardPresent(long timeout) {
            return true;
        }

        @Override
        public boolean waitForCardAbsent(long timeout) {
            return false;
        }
    }

    private final class HostileCard extends Card {
        private final ATR atr;
        private final CardChannel channel = new CardChannel() {
            @Override
            public Card getCard() {
                return HostileCard.this;
            }

            @Override
            public int getChannelNumber() {
                return 0;
            }

            @Override
            public ResponseAPDU transmit(CommandAPDU command) throws CardException {
                byte[] bytes = command.getBytes();
                return new ResponseAPDU(tamper.answer(bytes, card.transmit(bytes)));
            }

            @Override
            public int transmit(ByteBuffer command, ByteBuffer response) throws CardException {
                byte[] in = new byte[command.remaining()];
                command.get(in);
                byte[] out = tamper.answer(in, card.transmit(in));
                response.put(out);
                return out.length;
            }

            @Override
            public void close() {
                throw new IllegalStateException("the basic channel cannot be closed");
            }
        };

        HostileCard(byte[] atr) {
            this.atr = new ATR(atr);
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
            return channel;
        }

        @Override
        public CardChannel openLogicalChannel() throws CardException {
            throw new CardException("basic channel only");
        }

        @Override
        public void beginExclusive() {
        }

        @Override
        public void endExclusive() {
        }

        @Override
        public byte[] transmitControlCommand(int controlCode, byte[] command) throws CardException {
            throw new CardException("no control commands");
        }

        @Override
        public void disconnect(boolean reset) {
            if (reset) {
                card.reset();
            }
        }
    }
}
