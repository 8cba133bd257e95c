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
        Cli.Running emulator = new Cli().interactive("jpki", "emulate", "--auth-pin", "4321", "--cert-dir", dir);
        try {
            assertTrue(emulator.nextLine().startsWith("Emulated My Number Card inserted into the vpcd reader"));
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
        } finally {
            assertEquals(0, emulator.closeInput());
        }
        PcscReader.awaitCard(reader, false);
    }
}
