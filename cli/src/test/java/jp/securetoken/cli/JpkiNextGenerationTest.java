package jp.securetoken.cli;

import static jp.securetoken.cli.CliTestSupport.expect;
import static jp.securetoken.cli.CliTestSupport.withPins;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.smartcardio.CardTerminal;
import jp.securetoken.jpki.emulator.PcscReader;
import jp.securetoken.jpki.emulator.PcscdExtension;
import jp.securetoken.testpki.HeldCertificate;
import jp.securetoken.testpki.TestPki;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The next-generation card profile as a user meets it: {@code nodeauth jpki emulate --profile
 * next-generation} puts a card with EC P-384 keys (and the assumed new application layout) into
 * pcscd's vpcd reader; {@code token info jpki:auth} offers ECDSA P-384 and TLS 1.3, and {@code connect
 * --token jpki:auth} authenticates to a {@code serve} process over TLS 1.3 with the card's key.
 */
@ExtendWith(PcscdExtension.class)
class JpkiNextGenerationTest {
    private static final Pattern LISTENING = Pattern.compile("Listening on 127\\.0\\.0\\.1:(\\d+) as .*");

    @TempDir
    Path dir;

    @Test
    void theNextGenerationCardOffersEcdsaAndAuthenticatesOverTls13() throws Exception {
        TestPki regional = TestPki.create("Regional CA");
        Path gatewayCa = Files.writeString(dir.resolve("regional-ca.pem"), HeldCertificate.pem(regional.caCertificate()));
        Path gateway = Tokens.node(dir.resolve("gateway.stk"), regional, "gateway", true);
        CardTerminal reader = PcscReader.vpcd();
        Cli.Running emulator = new Cli().env("AUTH_PIN", "1357").interactive("jpki", "emulate", "--profile",
                "next-generation", "--auth-pin-env", "AUTH_PIN", "--cert-dir", dir);
        try {
            assertTrue(emulator.nextLine().startsWith("Emulated My Number Card inserted into the vpcd reader"));
            PcscReader.awaitCard(reader, true);

            Cli.Result info = expect(0, new Cli().run("token", "info", "--token", "jpki:auth"));
            assertTrue(info.out().contains("ecdsa_secp384r1_sha384"), info::toString);
            assertFalse(info.out().contains("rsa_pkcs1_sha256"), info::toString);
            assertFalse(info.out().contains("TLS 1.2 only"), info::toString);
            assertTrue(info.out().contains("TLS 1.3"), info::toString);

            try (Cli.Running server = withPins().background("serve", "--token", gateway, "--alias", "node", "--ca",
                    dir.resolve("jpki-auth-ca.pem"), "--port", "0", "--pin-env", "UPIN")) {
                Matcher listening = LISTENING.matcher(server.nextLine());
                assertTrue(listening.matches(), listening::toString);
                Cli.Result r = expect(0, new Cli().env("AUTH_PIN", "1357").stdin("hello gateway\n").run("connect",
                        "--token", "jpki:auth", "--alias", "auth", "--ca", gatewayCa, "--pin-env", "AUTH_PIN",
                        "127.0.0.1:" + listening.group(1)));
                assertEquals("hello gateway\n", r.out());
                assertTrue(r.err().startsWith("Connected to gateway (TLSv1.3, "), r::toString);
                String seen = server.nextLine();
                assertTrue(seen.startsWith("authenticated ") && seen.contains("(TLSv1.3, "), seen);
            }
        } finally {
            assertEquals(0, emulator.closeInput());
        }
        PcscReader.awaitCard(reader, false);
    }

    @Test
    void anUnknownProfileIsAUsageError() throws Exception {
        Cli.Result r = expect(2, new Cli().run("jpki", "emulate", "--profile", "2030-card"));
        assertTrue(r.err().contains("--profile '2030-card' is not one of [my-number-card, next-generation]"),
                r::toString);
    }
}
