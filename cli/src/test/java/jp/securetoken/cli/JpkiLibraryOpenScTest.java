package jp.securetoken.cli;

import static jp.securetoken.cli.CliTestSupport.expect;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
 * The official JPKI PKCS#11 library route ({@code route=pkcs11}: the library initialised and
 * finalised by the token, one at a time) with OpenSC's {@code opensc-pkcs11.so} as the library, over
 * the emulated My Number Card that {@code nodeauth jpki emulate} puts into pcscd's vpcd reader.
 * OpenSC holds both of the card's tokens and names its objects its own way, not by table 5-2's
 * labels; the token still finds the certificate of its private key and signs.
 */
@ExtendWith(PcscdExtension.class)
class JpkiLibraryOpenScTest {
    static final Path OPENSC = Path.of("/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so");

    @TempDir
    Path dir;

    private static String uri(String type) {
        assertTrue(Files.exists(OPENSC), "OpenSC's PKCS#11 module is missing: apt-get install opensc");
        return "jpki:" + type + "?route=pkcs11&module-path=" + OPENSC;
    }

    private static int opensslCmsVerify(Path p7s, Path content, Path ca) throws Exception {
        Process p = new ProcessBuilder("openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", p7s.toString(),
                "-content", content.toString(), "-CAfile", ca.toString(), "-purpose", "any", "-out", "/dev/null")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "openssl cms did not finish");
        assertTrue(p.exitValue() != 0 || out.contains("Verification successful"), out);
        return p.exitValue();
    }

    @Test
    void openScsModuleShowsAndSignsWithBothTokensOfTheCardThroughTheLibraryRoute() throws Exception {
        CardTerminal reader = PcscReader.vpcd();
        Cli.Running emulator = new Cli().env("AUTH_PIN", "2580").env("SIGN_PIN", "SIGN2580")
                .interactive("jpki", "emulate", "--auth-pin-env", "AUTH_PIN", "--sign-pin-env", "SIGN_PIN", "--cert-dir",
                        dir);
        try {
            assertTrue(emulator.nextLine().startsWith("Emulated My Number Card inserted into the vpcd reader"));
            PcscReader.awaitCard(reader, true);
            Cli cli = new Cli().env("AUTH_PIN", "2580").env("SIGN_PIN", "SIGN2580");

            Cli.Result before = expect(0, cli.run("token", "info", "--token", uri("auth")));
            assertTrue(before.out().contains("My Number Card (user authentication, JPKI library)"), before::toString);
            assertTrue(before.out().contains("Credentials        not shown: private objects need the user PIN"),
                    before::toString);
            assertEquals("", before.err(), "nothing on stderr: no library notices about the token's clock");
            Cli.Result after = expect(0, cli.run("token", "info", "--token", uri("auth"), "--pin-env", "AUTH_PIN"));
            assertTrue(after.out().contains("Credentials (1)"), after::toString);
            assertTrue(after.out().matches("(?s).*\nCA certificate +[^\n]*JPKI for user authentication.*"),
                    after::toString);
            expect(3, cli.env("AUTH_PIN", "0000").run("token", "info", "--token", uri("auth"), "--pin-env",
                    "AUTH_PIN"));

            Path document = Files.writeString(dir.resolve("application.txt"), "電子申請 / e-application\n");
            Path p7s = dir.resolve("application.p7s");
            Cli.Result signed = expect(0, new Cli().env("SIGN_PIN", "SIGN2580").run("sign", "--token", uri("sign"),
                    "--alias", "sign", "--in", document, "--out", p7s, "--pin-env", "SIGN_PIN"));
            assertTrue(signed.out().contains("rsa_pkcs1_sha256"), signed::toString);
            assertEquals(0, opensslCmsVerify(p7s, document, dir.resolve("jpki-sign-ca.pem")));
        } finally {
            assertEquals(0, emulator.closeInput());
        }
        PcscReader.awaitCard(reader, false);
    }
}
