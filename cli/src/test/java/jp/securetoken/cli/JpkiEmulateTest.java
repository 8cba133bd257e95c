package jp.securetoken.cli;

import static jp.securetoken.cli.CliTestSupport.expect;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import javax.smartcardio.CardTerminal;
import jp.securetoken.jpki.emulator.PcscReader;
import jp.securetoken.jpki.emulator.PcscdExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code nodeauth jpki emulate} puts a virtual My Number Card into pcscd's vpcd reader (the tests'
 * own pcscd), where {@code nodeauth token info jpki:auth} — another process — reads it as a card.
 */
@ExtendWith(PcscdExtension.class)
class JpkiEmulateTest {
    @TempDir
    Path dir;

    @Test
    void theEmulatedCardIsSeenThroughPcscdUntilTheEmulatorsInputCloses() throws Exception {
        CardTerminal reader = PcscReader.vpcd();
        Path pinFile = Files.writeString(dir.resolve("auth.pin"), "4321\n");
        Cli.Running emulator = new Cli().interactive("jpki", "emulate", "--auth-pin-file", pinFile, "--cert-dir", dir);
        try {
            assertTrue(emulator.nextLine().startsWith("Emulated My Number Card inserted into the vpcd reader"));
            String authLine = emulator.nextLine();
            assertTrue(authLine.contains("(PIN from " + pinFile + ", 3 tries)") && !authLine.contains("4321"), authLine);
            PcscReader.awaitCard(reader, true);
            assertTrue(Files.readString(dir.resolve("jpki-auth.pem")).startsWith("-----BEGIN CERTIFICATE-----"));

            Cli.Result info = expect(0, new Cli().run("token", "info", "jpki:auth"));
            assertTrue(info.out().contains("My Number Card (user authentication)"), info.toString());
            assertTrue(info.out().contains("TLS 1.2 only"), info.toString());
            assertTrue(info.out().contains("3 of 3 tries left"), info.toString());

            String caFingerprint = java.util.HexFormat.ofDelimiter(":").withUpperCase().formatHex(
                    java.security.MessageDigest.getInstance("SHA-256").digest(jp.securetoken.soft.SoftTokens
                            .readCertificates(Files.readAllBytes(dir.resolve("jpki-auth-ca.pem"))).get(0).getEncoded()));
            assertTrue(info.out().contains("  SHA-256          " + caFingerprint), info.toString());
            Cli.Result pinned = expect(0, new Cli().run("token", "info", "--token", "jpki:auth", "--ca-pin",
                    caFingerprint));
            assertTrue(pinned.out().contains(caFingerprint + "  (matches a configured --ca-pin)"), pinned.toString());
            Cli.Result impostor = expect(5, new Cli().run("token", "info", "--token", "jpki:auth", "--ca-pin",
                    "00".repeat(32)));
            assertTrue(impostor.out().contains("(MATCHES NO configured --ca-pin)"), impostor.toString());
            assertTrue(impostor.err().contains("matches none of the configured --ca-pin fingerprints"),
                    impostor.toString());

            Cli.Result json = expect(0, new Cli().run("token", "info", "jpki:auth", "--json"));
            assertTrue(json.out().contains("rsa_pkcs1_sha256") && !json.out().contains("rsa_pss"), json.toString());

            // the PIN of the file is the card's: a login with it spends no try
            expect(0, new Cli().env("AUTH_PIN", "4321").run("token", "info", "jpki:auth", "--pin-env", "AUTH_PIN"));
            assertTrue(new Cli().run("token", "info", "jpki:auth").out().contains("3 of 3 tries left"));
        } finally {
            assertEquals(0, emulator.closeInput());
        }
        PcscReader.awaitCard(reader, false);
    }

    @Test
    void removeAndInsertOnStandardInputPullTheCardOutAndPutItBack() throws Exception {
        CardTerminal reader = PcscReader.vpcd();
        Cli.Running emulator = new Cli().interactive("jpki", "emulate");
        try {
            assertTrue(emulator.nextLine().startsWith("Emulated My Number Card inserted into the vpcd reader"));
            String authLine = emulator.nextLine();
            assertTrue(authLine.contains("(test default PIN (see --help), 3 tries)") && !authLine.contains("1234"),
                    authLine);
            PcscReader.awaitCard(reader, true);

            emulator.type("remove\n");
            awaitLine(emulator, "Card removed from the reader");
            PcscReader.awaitCard(reader, false);
            expect(4, new Cli().run("token", "info", "jpki:auth"));

            emulator.type("insert\n");
            awaitLine(emulator, "Card inserted into the vpcd reader again");
            PcscReader.awaitCard(reader, true);
            // the test default PIN, documented in --help
            expect(0, new Cli().env("AUTH_PIN", "1234").run("token", "info", "jpki:auth", "--pin-env", "AUTH_PIN"));
        } finally {
            assertEquals(0, emulator.closeInput());
        }
        PcscReader.awaitCard(reader, false);
    }

    @Test
    void thePinsNeverComeAsArguments() throws Exception {
        Cli.Result old = expect(2, new Cli().run("jpki", "emulate", "--auth-pin", "4321"));
        assertTrue(old.err().contains("Unknown option") && old.err().contains("'--auth-pin'"), old::toString);
        Cli.Result help = expect(0, new Cli().run("jpki", "emulate", "--help"));
        assertTrue(help.out().contains("--auth-pin-env") && help.out().contains("--sign-pin-file"), help::toString);
        assertTrue(help.out().contains("user authentication 1234, signature SIGN1234"), help::toString);
    }

    @Test
    void aPinTheCardCannotHoldIsAUsageErrorThatDoesNotShowIt() throws Exception {
        Cli.Result r = expect(2, new Cli().env("AUTH_PIN", "12345").run("jpki", "emulate", "--auth-pin-env",
                "AUTH_PIN"));
        assertTrue(r.err().contains("the user-authentication PIN given with --auth-pin-env AUTH_PIN does not fit the "
                + "card: the user-authentication PIN is 4 digits"), r::toString);
        assertTrue(!r.err().contains("12345") && !r.out().contains("12345"), r::toString);
    }

    /** Skips the emulator's other lines until one starts with {@code prefix} (each line waited for, bounded). */
    private static void awaitLine(Cli.Running emulator, String prefix) throws InterruptedException {
        for (int i = 0; i < 10; i++) {
            if (emulator.nextLine().startsWith(prefix)) {
                return;
            }
        }
        throw new AssertionError("no line starting with '" + prefix + "'");
    }
}
