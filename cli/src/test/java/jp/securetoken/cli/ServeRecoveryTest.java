package jp.securetoken.cli;

import static jp.securetoken.cli.CliTestSupport.expect;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import jp.securetoken.jpki.JpkiTokenProvider;
import jp.securetoken.jpki.emulator.Pcscd;
import jp.securetoken.jpki.emulator.PcscReader;
import jp.securetoken.jpki.emulator.PcscdExtension;
import jp.securetoken.testpki.HeldCertificate;
import jp.securetoken.testpki.TestPki;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gateway whose key is on a My Number Card recovers as its operator expects, without a restart:
 * {@code nodeauth serve --token jpki:auth --pin-file FILE} runs as its own process with the card that
 * {@code nodeauth jpki emulate} puts into pcscd's vpcd reader; the card is pulled, pcscd restarted
 * or the card re-plugged under it. Handshakes meanwhile fail as {@code TOKEN_ERROR} (printed and
 * audited) and the process stays up; once the card is back, serve logs in again from its PIN file by
 * itself and the next handshake succeeds. It never spends a wrong PIN twice, nor a PIN's last try.
 */
@ExtendWith(PcscdExtension.class)
class ServeRecoveryTest {
    private static final Pattern LISTENING = Pattern.compile("Listening on 127\\.0\\.0\\.1:(\\d+) as .*");
    private static final Pattern TOKEN_ERROR = Pattern.compile("refused /127\\.0\\.0\\.1:\\d+: TOKEN_ERROR: .+");
    private static final String CARD_PIN = "2580";

    @TempDir
    Path dir;

    private Path clinic;
    private Path regionalCa;
    private Path pinFile;

    @BeforeEach
    void clinicAndPinFile() throws Exception {
        TestPki regional = TestPki.create("Regional CA");
        regionalCa = Files.writeString(dir.resolve("regional-ca.pem"), HeldCertificate.pem(regional.caCertificate()));
        clinic = Tokens.node(dir.resolve("clinic.stk"), regional, "clinic-001", false);
        pinFile = Files.writeString(dir.resolve("card.pin"), CARD_PIN + "\n");
        Files.setPosixFilePermissions(pinFile, PosixFilePermissions.fromString("rw-------"));
    }

    @Test
    void afterPcscdRestartsServeLogsInAgainFromItsPinFileAndHandshakesSucceed(Pcscd pcscd) throws Exception {
        Path spool = dir.resolve("audit-spool");
        Cli.Running card = emulate();
        boolean restarted = false;
        try (Cli.Running gateway = new Cli().background("serve", "--token", "jpki:auth", "--alias", "auth", "--ca",
                regionalCa, "--port", "0", "--pin-file", pinFile, "--audit-syslog", "127.0.0.1:" + closedPort(),
                "--audit-spool", spool)) {
            String address = listening(gateway);
            handshakeSucceeds(gateway, address);

            card.type("remove\n"); // the card leaves first, so that pcscd's side of vpcd's socket is not left in TIME_WAIT
            awaitLine(card, "Card removed from the reader");
            pcscd.restart();
            restarted = true;

            assertNotEquals(0, connect(address).exitCode());
            refusedAndLost(gateway);
            assertTrue(gateway.isAlive(), "serve stays up while its card is away");

            card.type("insert\n");
            awaitLine(card, "Card inserted into the vpcd reader again");
            assertEquals("token logged in again", event(gateway));
            handshakeSucceeds(gateway, address);
            assertTrue(expect(0, new Cli().run("token", "info", "jpki:auth")).out().contains("3 of 3 tries left"));

            List<String> audit = spooled(spool);
            assertTrue(audit.stream().anyMatch(m -> m.contains("csd-code=\"110126\"")
                    && m.contains("EventOutcomeIndicator=\"4\"") && m.contains("TOKEN_ERROR")), "no failed handshake audited");
            assertEquals(2, audit.stream().filter(m -> m.contains("csd-code=\"110122\"")
                    && m.contains("EventOutcomeIndicator=\"0\"")).count(), "the login at start and the login again");
            // the PIN as a word of its own: 4 digits may well occur inside a process id, port or event id
            Pattern pin = Pattern.compile("(?<![0-9A-Za-z])" + CARD_PIN + "(?![0-9A-Za-z])");
            assertTrue(audit.stream().noneMatch(m -> pin.matcher(m).find()), "a PIN reached the audit trail");
        } finally {
            if (restarted) {
                testJvmReachesPcscdAgain();
            }
            removeCard(card);
        }
    }

    @Test
    void aWrongPinFileAfterTheCardIsReplugedIsTriedOnceAndNeverAgain() throws Exception {
        Cli.Running card = emulate();
        try (Cli.Running gateway = new Cli().background("serve", "--token", "jpki:auth", "--alias", "auth", "--ca",
                regionalCa, "--port", "0", "--pin-file", pinFile)) {
            String address = listening(gateway);
            handshakeSucceeds(gateway, address);

            card.type("remove\n");
            awaitLine(card, "Card removed from the reader");
            assertNotEquals(0, connect(address).exitCode());
            refusedAndLost(gateway);

            Files.writeString(pinFile, "9999\n"); // an operator's mistake while the card is out
            card.type("insert\n");
            awaitLine(card, "Card inserted into the vpcd reader again");
            String given = event(gateway);
            assertTrue(given.startsWith("token not logged in again: the PIN of --pin-file " + pinFile)
                    && given.contains("is wrong (2 tries left); it is not tried again"), given);
            assertTrue(!given.contains("9999") && !given.contains(CARD_PIN), given);

            Files.writeString(pinFile, CARD_PIN + "\n"); // corrected: still not tried by itself, a person restarts serve
            for (int i = 0; i < 2; i++) {
                assertNotEquals(0, connect(address).exitCode());
                String refused = event(gateway);
                assertTrue(TOKEN_ERROR.matcher(refused).matches() && refused.contains(": the token is not logged in ("),
                        refused);
            }
            assertTrue(expect(0, new Cli().run("token", "info", "jpki:auth")).out().contains("2 of 3 tries left"),
                    "one wrong try, not more");
            assertTrue(gateway.isAlive());
        } finally {
            removeCard(card);
        }
    }

    @Test
    void theLastTryOfThePinIsLeftToAPerson() throws Exception {
        Cli.Running card = emulate();
        try (Cli.Running gateway = new Cli().background("serve", "--token", "jpki:auth", "--alias", "auth", "--ca",
                regionalCa, "--port", "0", "--pin-file", pinFile)) {
            String address = listening(gateway);
            handshakeSucceeds(gateway, address);

            // someone at the card mistypes twice: the card forgets the gateway's login, one try is left
            for (int i = 0; i < 2; i++) {
                expect(3, new Cli().env("PIN", "0000").run("token", "info", "jpki:auth", "--pin-env", "PIN"));
            }
            assertNotEquals(0, connect(address).exitCode());
            refusedAndLost(gateway);
            String left = event(gateway);
            assertTrue(left.startsWith("token not logged in again: the user PIN has one try left"), left);
            assertTrue(expect(0, new Cli().run("token", "info", "jpki:auth")).out().contains("1 of 3 tries left"));
        } finally {
            removeCard(card);
        }
    }

    /**
     * The same through PKCS#11: OpenSC's module reaches the card through pcscd, and serve's token is
     * a SunPKCS11 token of that module, whose device goes away and comes back.
     */
    @Test
    void aPkcs11TokenOfOpenScsModuleIsLoggedInAgainAfterItsDeviceCameBack() throws Exception {
        assertTrue(Files.exists(JpkiLibraryOpenScTest.OPENSC), "OpenSC's PKCS#11 module is missing: apt-get install opensc");
        String token = "pkcs11:token=JPKI%20(User%20Authentication%20PIN)?module-path=" + JpkiLibraryOpenScTest.OPENSC;
        Cli.Running card = emulate();
        try (Cli.Running gateway = new Cli().background("serve", "--token", token, "--alias",
                "User Authentication Certificate", "--ca", regionalCa, "--port", "0", "--pin-file", pinFile)) {
            String address = listening(gateway);
            handshakeSucceeds(gateway, address);

            card.type("remove\n");
            awaitLine(card, "Card removed from the reader");
            assertNotEquals(0, connect(address).exitCode());
            refusedAndLost(gateway);
            assertTrue(gateway.isAlive());

            card.type("insert\n");
            awaitLine(card, "Card inserted into the vpcd reader again");
            assertEquals("token logged in again", event(gateway));
            handshakeSucceeds(gateway, address);
        } finally {
            removeCard(card);
        }
    }

    private Cli.Running emulate() throws Exception {
        Cli.Running card = new Cli().interactive("jpki", "emulate", "--auth-pin-file", pinFile, "--cert-dir", dir);
        assertTrue(card.nextLine().startsWith("Emulated My Number Card inserted into the vpcd reader"));
        PcscReader.awaitCard(PcscReader.vpcd(), true);
        return card;
    }

    /**
     * serve's two lines for a handshake that met the lost card, in either order (the audit listener
     * and the connection's report both hear of it): the refusal as TOKEN_ERROR, and the login lost.
     */
    private static void refusedAndLost(Cli.Running gateway) throws InterruptedException {
        List<String> lines = List.of(event(gateway), event(gateway));
        assertTrue(lines.stream().anyMatch(l -> TOKEN_ERROR.matcher(l).matches()), lines::toString);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("token login lost (")), lines::toString);
    }

    /** serve's next line about a connection or its token; the start-up notes (TLS 1.2 only, ...) skipped. */
    private static String event(Cli.Running gateway) throws InterruptedException {
        String line = gateway.nextLine();
        while (line.startsWith("Note: ")) {
            line = gateway.nextLine();
        }
        return line;
    }

    private static void removeCard(Cli.Running card) throws Exception {
        assertEquals(0, card.closeInput());
        PcscReader.awaitCard(PcscReader.vpcd(), false);
    }

    private static String listening(Cli.Running gateway) throws InterruptedException {
        Matcher m = LISTENING.matcher(event(gateway));
        assertTrue(m.matches(), m::toString);
        return "127.0.0.1:" + m.group(1);
    }

    /** A clinic node connects, is echoed, and serve reports it authenticated over TLS 1.2 with the card's key. */
    private void handshakeSucceeds(Cli.Running gateway, String address) throws Exception {
        Cli.Result r = expect(0, connect(address));
        assertEquals("hello gateway\n", r.out(), r::toString);
        String seen = event(gateway);
        assertTrue(seen.startsWith("authenticated clinic-001 (TLSv1.2, "), seen);
    }

    private Cli.Result connect(String address) throws Exception {
        return new Cli().env("UPIN", Tokens.USER_PIN).stdin("hello gateway\n").run("connect", "--token", clinic,
                "--alias", "node", "--ca", dir.resolve("jpki-auth-ca.pem"), "--pin-env", "UPIN", address);
    }

    /** Skips the emulator's other lines until one starts with {@code prefix} (each line waited for, bounded). */
    private static void awaitLine(Cli.Running process, String prefix) throws InterruptedException {
        for (int i = 0; i < 10; i++) {
            if (process.nextLine().startsWith(prefix)) {
                return;
            }
        }
        throw new AssertionError("no line starting with '" + prefix + "'");
    }

    /**
     * This test JVM's own javax.smartcardio context went stale with the restart too; the token
     * provider renews it (as a gateway's token does), so that the next tests' readers are seen.
     */
    private static void testJvmReachesPcscdAgain() {
        await("this JVM's PC/SC context renewed").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                .ignoreExceptions().until(() -> new JpkiTokenProvider().presentTokens() != null);
    }

    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** The audit messages waiting in the spool (the repository is down). */
    private static List<String> spooled(Path spool) throws IOException {
        try (Stream<Path> files = Files.list(spool)) {
            return files.filter(f -> f.toString().endsWith(".msg")).map(f -> {
                try {
                    return Files.readString(f, StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).toList();
        }
    }
}
