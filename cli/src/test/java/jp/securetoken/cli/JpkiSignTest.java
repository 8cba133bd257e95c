package jp.securetoken.cli;

import static jp.securetoken.cli.CliTestSupport.expect;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javax.smartcardio.CardTerminal;
import jp.securetoken.jpki.emulator.PcscReader;
import jp.securetoken.jpki.emulator.PcscdExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code nodeauth sign --token jpki:sign}: the emulated My Number Card (through pcscd's vpcd reader)
 * signs a document with its signature certificate (JAHIS 8.2.3 a, document signing), and Debian's
 * {@code openssl cms -verify} accepts the detached CMS signature against the card's signature CA.
 */
@ExtendWith(PcscdExtension.class)
class JpkiSignTest {
    @TempDir
    Path dir;

    private int opensslVerify(Path p7s, Path content, Path ca) throws Exception {
        Process p = new ProcessBuilder("openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", p7s.toString(),
                "-content", content.toString(), "-CAfile", ca.toString(), "-purpose", "any", "-out", "/dev/null")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "openssl cms did not finish");
        assertTrue(p.exitValue() != 0 || out.contains("Verification successful"), out);
        return p.exitValue();
    }

    @Test
    void theMyNumberCardsSignatureCertificateSignsADocumentThatOpensslCmsVerifies() throws Exception {
        CardTerminal reader = PcscReader.vpcd();
        Cli.Running emulator = new Cli().env("SIGN_PIN", "SIGN2468").interactive("jpki", "emulate", "--sign-pin-env",
                "SIGN_PIN", "--cert-dir", dir);
        try {
            assertTrue(emulator.nextLine().startsWith("Emulated My Number Card inserted into the vpcd reader"));
            PcscReader.awaitCard(reader, true);
            Path document = Files.writeString(dir.resolve("application.txt"), "電子申請 / e-application\n");
            Path p7s = dir.resolve("application.p7s");
            Cli.Result r = expect(0, new Cli().env("SIGN_PIN", "SIGN2468").run("sign", "--token", "jpki:sign",
                    "--alias", "sign", "--in", document, "--out", p7s, "--pin-env", "SIGN_PIN"));
            assertTrue(r.out().contains("rsa_pkcs1_sha256"), r::toString);

            Path ca = dir.resolve("jpki-sign-ca.pem");
            assertEquals(0, opensslVerify(p7s, document, ca));
            Path changed = Files.writeString(dir.resolve("changed.txt"), "電子申請 / e-application (amended)\n");
            assertNotEquals(0, opensslVerify(p7s, changed, ca));
        } finally {
            assertEquals(0, emulator.closeInput());
        }
        PcscReader.awaitCard(reader, false);
    }
}
