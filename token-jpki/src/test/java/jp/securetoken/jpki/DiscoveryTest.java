package jp.securetoken.jpki;

import static jp.securetoken.jpki.CardInReader.AUTH_PIN;
import static jp.securetoken.jpki.CardInReader.IDENTITY;
import static jp.securetoken.jpki.CardInReader.READER;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import jp.securetoken.api.PinRole;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.SecureTokens;
import jp.securetoken.api.TokenDescriptor;
import jp.securetoken.api.TokenEvent;
import jp.securetoken.api.TokenWatch;
import jp.securetoken.jpki.emulator.PcscdExtension;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Finding the provider with ServiceLoader, listing cards, and insert/remove events. */
@ExtendWith(PcscdExtension.class)
class DiscoveryTest {
    private static final URI AUTH_IN_READER = URI.create("jpki:auth?reader=Virtual%20PCD%2000%2000");
    private static final URI SIGN_IN_READER = URI.create("jpki:sign?reader=Virtual%20PCD%2000%2000");

    private CardInReader card;

    @BeforeEach
    void insertCard() {
        card = CardInReader.insert();
    }

    @AfterEach
    void removeCard() {
        card.close();
    }

    @Test
    void serviceLoaderFindsTheProviderAndOpensJpkiAuth() throws Exception {
        try (SecureToken token = SecureTokens.discover().open("jpki:auth")) {
            assertInstanceOf(JpkiToken.class, token);
            assertEquals(URI.create("jpki:auth"), token.info().uri());
            assertEquals(IDENTITY.authCertificate(), token.credential("auth").certificate());
            token.login(CardInReader.pin(AUTH_PIN));
        }
    }

    @Test
    void opensTheAddressWithAReader() throws Exception {
        try (SecureToken token = SecureTokens.discover().open(AUTH_IN_READER.toString())) {
            assertEquals(AUTH_IN_READER, token.info().uri());
            assertEquals(3, token.pinStatus(PinRole.USER).retriesLeft());
        }
    }

    @Test
    void listsBothTokensOfTheCardInItsReader() throws Exception {
        List<TokenDescriptor> present = SecureTokens.discover().list();
        assertEquals(List.of(AUTH_IN_READER, SIGN_IN_READER), present.stream().map(TokenDescriptor::uri).toList());
        assertTrue(present.get(0).description().contains(READER), present.get(0).description());
    }

    @Test
    void listsNothingWithoutACard() throws Exception {
        card.remove();
        assertEquals(List.of(), new JpkiTokenProvider().presentTokens());
        card.reinsert();
    }

    @Test
    void watchReportsRemovalAndInsertion() throws Exception {
        List<TokenEvent> events = new CopyOnWriteArrayList<>();
        TokenWatch watch = new JpkiTokenProvider().watch(events::add);
        try {
            card.remove();
            await("removal events").atMost(Duration.ofSeconds(10)).until(() -> events.size() == 2);
            card.reinsert();
            await("insertion events").atMost(Duration.ofSeconds(10)).until(() -> events.size() == 4);
        } finally {
            watch.close();
        }
        assertEquals(List.of("REMOVED " + AUTH_IN_READER, "REMOVED " + SIGN_IN_READER,
                "INSERTED " + AUTH_IN_READER, "INSERTED " + SIGN_IN_READER),
                events.stream().map(e -> e.type() + " " + e.uri()).toList());
    }

    @Test
    void watchStopsOnClose() throws Exception {
        List<TokenEvent> events = new CopyOnWriteArrayList<>();
        TokenWatch watch = SecureTokens.discover().watch(events::add);
        watch.close(); // returns once the watcher thread has ended
        card.remove();
        card.reinsert();
        assertEquals(List.of(), events);
    }

    @Test
    void aRunningWatchDoesNotHoldUpCardCommands() throws Exception {
        TokenWatch watch = new JpkiTokenProvider().watch(e -> { });
        try (SecureToken token = new JpkiTokenProvider().open(JpkiConfig.auth())) {
            token.pinStatus(PinRole.USER);
            long start = System.nanoTime();
            for (int i = 0; i < 20; i++) {
                token.pinStatus(PinRole.USER);
            }
            long averageMillis = (System.nanoTime() - start) / 20 / 1_000_000;
            // about 0.5 ms each; a watch blocking in SCardGetStatusChange made each wait 120-190 ms
            assertTrue(averageMillis < 40, averageMillis + " ms per PIN status query");
        } finally {
            watch.close();
        }
    }
}
