package jp.securetoken.jpki;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import javax.smartcardio.CardTerminal;

import jp.securetoken.api.TokenEvent;
import jp.securetoken.api.TokenWatch;
import jp.securetoken.jpki.emulator.JpkiCardEmulator;
import jp.securetoken.jpki.emulator.JpkiCardIdentity;
import jp.securetoken.jpki.emulator.PcscReader;
import jp.securetoken.jpki.emulator.PcscdExtension;
import jp.securetoken.jpki.emulator.VpcdCardConnection;
import jp.securetoken.pkcs11.Pkcs11TokenProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A real slot event: the PKCS#11 watch over OpenSC's module, which offers C_WaitForSlotEvent, sees
 * the emulated My Number Card arrive in pcscd's vpcd reader and leave it. The watch reads the slot
 * list only after C_WaitForSlotEvent reported an event, so an event seen here came through it.
 */
@ExtendWith(PcscdExtension.class)
class Pkcs11SlotEventTest {
    private static final Path OPENSC = Path.of(System.getProperty("jpki.test.opensc.module"));
    private static final Set<String> CARD_TOKENS = Set.of("JPKI (User Authentication PIN)",
            "JPKI (Digital Signature PIN)");

    private static Set<String> labels(List<TokenEvent> events, TokenEvent.Type type) {
        return events.stream().filter(e -> e.type() == type).map(TokenEvent::label).collect(Collectors.toSet());
    }

    @Test
    void insertAndRemoveOfTheCardReachTheWatchThroughCWaitForSlotEvent() throws Exception {
        CardTerminal reader = PcscReader.vpcd();
        PcscReader.awaitCard(reader, false);
        List<TokenEvent> events = new CopyOnWriteArrayList<>();
        VpcdCardConnection connection = VpcdCardConnection.builder(JpkiCardEmulator.of(JpkiCardIdentity.generate()))
                .build();
        try (TokenWatch watch = new Pkcs11TokenProvider(OPENSC, Duration.ofMillis(100)).watch(events::add)) {
            assertTrue(watch.toString().contains("C_WaitForSlotEvent"), watch::toString);
            connection.insert();
            PcscReader.awaitCard(reader, true);
            await().atMost(Duration.ofSeconds(20)).until(() -> labels(events, TokenEvent.Type.INSERTED)
                    .equals(CARD_TOKENS));
            assertEquals(Set.of(), labels(events, TokenEvent.Type.REMOVED));

            connection.remove();
            PcscReader.awaitCard(reader, false);
            await().atMost(Duration.ofSeconds(20)).until(() -> labels(events, TokenEvent.Type.REMOVED)
                    .equals(CARD_TOKENS));
        } finally {
            connection.close();
        }
        int seen = events.size();
        assertEquals(4, seen, events::toString);
    }
}
