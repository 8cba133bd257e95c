package jp.securetoken.soft;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import jp.securetoken.api.OperationNotSupportedException;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.SecureTokens;
import jp.securetoken.api.TokenDescriptor;
import jp.securetoken.api.TokenEvent;
import jp.securetoken.api.TokenUriException;
import jp.securetoken.api.TokenWatch;

class DiscoveryTest {
    @TempDir
    Path dir;

    @AfterEach
    void clearDirectory() {
        System.clearProperty(SoftTokenProvider.DIRECTORY_PROPERTY);
    }

    @Test
    void providerIsFoundByServiceLoaderAndOpensSoftAddresses() throws Exception {
        Path file = Fixtures.create(dir, "found");
        SecureTokens tokens = SecureTokens.discover();
        assertInstanceOf(SoftTokenProvider.class, tokens.provider("soft").orElseThrow());
        try (SecureToken token = tokens.open("soft:" + file)) {
            assertEquals("found", token.info().label());
            assertEquals(file.toUri().getPath(), token.info().uri().getPath());
            assertEquals("soft", token.info().uri().getScheme());
        }
        try (SecureToken token = tokens.open(new SoftTokenConfig(file))) {
            assertEquals("found", token.info().label());
        }
    }

    @Test
    void relativeOrForeignAddressIsABadUri() {
        SoftTokenProvider provider = new SoftTokenProvider();
        assertThrows(TokenUriException.class,
                () -> provider.open(jp.securetoken.api.TokenConfig.of(java.net.URI.create("soft:node.stk"))));
        assertThrows(TokenUriException.class,
                () -> provider.open(jp.securetoken.api.TokenConfig.of(java.net.URI.create("jpki:auth"))));
    }

    @Test
    void presentTokensListsTheStkFilesOfTheConfiguredDirectory() throws Exception {
        Fixtures.create(dir, "alpha");
        Fixtures.create(dir, "beta");
        Files.writeString(dir.resolve("notes.txt"), "not a token");
        System.setProperty(SoftTokenProvider.DIRECTORY_PROPERTY, dir.toString());
        List<TokenDescriptor> present = new SoftTokenProvider().presentTokens();
        assertEquals(List.of("alpha", "beta"), present.stream().map(TokenDescriptor::label).toList());
        try (SecureToken token = SecureTokens.discover().open(present.get(1).uri())) {
            assertEquals("beta", token.info().label());
        }
    }

    @Test
    void withoutAConfiguredDirectoryNothingIsPresentAndNothingIsWatched() {
        SoftTokenProvider provider = new SoftTokenProvider();
        assertEquals(List.of(), provider.presentTokens());
        assertThrows(OperationNotSupportedException.class, () -> provider.watch(event -> { }));
    }

    @Test
    void watchReportsTokenFilesAppearingAndDisappearing() throws Exception {
        Fixtures.create(dir, "already-there");
        System.setProperty(SoftTokenProvider.DIRECTORY_PROPERTY, dir.toString());
        List<TokenEvent> events = new CopyOnWriteArrayList<>();
        try (TokenWatch watch = new SoftTokenProvider().watch(events::add)) {
            Path file = Fixtures.create(dir, "inserted");
            await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 1);
            assertEquals(TokenEvent.Type.INSERTED, events.get(0).type());
            assertEquals("inserted", events.get(0).label());
            assertEquals(new SoftTokenConfig(file).uri(), events.get(0).uri());

            Files.delete(file);
            await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 2);
            assertEquals(TokenEvent.Type.REMOVED, events.get(1).type());
            assertEquals("inserted", events.get(1).label());
        }
        Fixtures.create(dir, "after-close");
        await().during(Duration.ofMillis(3 * DirectoryWatch.POLL_MILLIS)).atMost(Duration.ofSeconds(2))
                .until(() -> events.size() == 2);
        assertTrue(events.stream().noneMatch(e -> e.label().equals("already-there")));
    }
}
