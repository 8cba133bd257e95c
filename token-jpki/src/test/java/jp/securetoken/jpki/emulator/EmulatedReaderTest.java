package jp.securetoken.jpki.emulator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.smartcardio.Card;
import javax.smartcardio.CardException;
import javax.smartcardio.CardNotPresentException;
import javax.smartcardio.CardTerminal;
import javax.smartcardio.CardTerminals;
import javax.smartcardio.CommandAPDU;
import javax.smartcardio.TerminalFactory;
import org.junit.jupiter.api.Test;

/** The in-JVM reader, used exactly as code uses a PC/SC reader through javax.smartcardio. */
class EmulatedReaderTest {
    private static final CommandAPDU SELECT_JPKI = new CommandAPDU(
            HexFormat.of().parseHex("00A4040C0AD392F000260100000001"));

    private static final JpkiCardIdentity IDENTITY = JpkiCardIdentity.generate();

    @Test
    void theReaderListsItsCardAndTheCardAnswersLikeTheEmulator() throws Exception {
        EmulatedReader reader = new EmulatedReader(JpkiCardEmulator.of(IDENTITY));
        TerminalFactory factory = reader.terminalFactory();
        List<CardTerminal> present = factory.terminals().list(CardTerminals.State.CARD_PRESENT);
        assertEquals(1, present.size());
        assertEquals(EmulatedReader.NAME, present.get(0).getName());

        Card card = present.get(0).connect("*");
        assertArrayEquals(HexFormat.of().parseHex("3BE000FF8131FE4514"), card.getATR().getBytes());
        assertEquals(0x9000, card.getBasicChannel().transmit(SELECT_JPKI).getSW());
    }

    @Test
    void aRemovedCardFailsItsCommandsAsPcscDoesAndAnotherCardCanComeIn() throws Exception {
        EmulatedReader reader = new EmulatedReader(JpkiCardEmulator.of(IDENTITY));
        CardTerminal terminal = reader.terminalFactory().terminals().list().get(0);
        Card card = terminal.connect("*");
        reader.remove();

        CardException e = assertThrows(CardException.class, () -> card.getBasicChannel().transmit(SELECT_JPKI));
        assertTrue(e.getMessage().contains("SCARD_W_REMOVED_CARD"), e.getMessage());
        assertFalse(terminal.isCardPresent());
        assertThrows(CardNotPresentException.class, () -> terminal.connect("*"));

        reader.insert(JpkiCardEmulator.of(IDENTITY));
        assertEquals(0x9000, terminal.connect("*").getBasicChannel().transmit(SELECT_JPKI).getSW());
        assertThrows(CardException.class, () -> card.getBasicChannel().transmit(SELECT_JPKI),
                "a connection to the card before its removal stays dead");
    }

    @Test
    void waitingForAChangeSeesInsertionAndRemoval() throws Exception {
        EmulatedReader reader = new EmulatedReader(null);
        CardTerminals terminals = reader.terminalFactory().terminals();
        assertTrue(terminals.list(CardTerminals.State.CARD_PRESENT).isEmpty());
        assertFalse(terminals.waitForChange(1));

        CompletableFuture<Boolean> change = CompletableFuture.supplyAsync(() -> {
            try {
                return terminals.waitForChange(10_000);
            } catch (CardException e) {
                throw new IllegalStateException(e);
            }
        });
        reader.insert(JpkiCardEmulator.of(IDENTITY));
        assertTrue(change.get(10, TimeUnit.SECONDS));
        assertTrue(terminals.list().get(0).waitForCardPresent(1));
        reader.remove();
        assertTrue(terminals.list().get(0).waitForCardAbsent(1_000));
    }
}
