package jp.securetoken.cli;

import static jp.securetoken.cli.CliTestSupport.expect;
import static jp.securetoken.cli.CliTestSupport.withPins;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import jp.securetoken.api.PinStatus;
import jp.securetoken.api.PinRole;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.JahisCapability;
import jp.securetoken.soft.SoftTokens;
import jp.securetoken.testpki.TestPki;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code soft init}: a new token file with both PINs from the environment, a file or standard input. */
class SoftInitTest {
    @TempDir
    Path dir;

    @Test
    void initCreatesATokenWithTheGivenLabelRetriesAndPins() throws Exception {
        Path file = dir.resolve("node.stk");
        Cli.Result r = expect(0, withPins().run("soft", "init", file, "--label", "clinic-001", "--max-retries", "3",
                "--kdf-iterations", "10000", "--pin-env", "UPIN", "--admin-pin-env", "APIN"));
        assertEquals("Created software token 'clinic-001' at soft:" + file + "\n", r.out());
        assertFalse(r.out().contains(Tokens.USER_PIN) || r.err().contains(Tokens.USER_PIN), r::toString);
        try (SecureToken token = SoftTokens.open(file)) {
            assertEquals("clinic-001", token.info().label());
            assertEquals(PinStatus.of(PinRole.USER, 3, 3), token.pinStatus(PinRole.USER));
            try (var pin = jp.securetoken.api.PinCallback.fixed(Tokens.USER_PIN.toCharArray())) {
                token.login(pin);
            }
            try (var pin = jp.securetoken.api.PinCallback.fixed(Tokens.ADMIN_PIN.toCharArray())) {
                token.changePin(PinRole.ADMINISTRATOR, pin, pin);
            }
        }
    }

    @Test
    void initReadsPinsFromFilesAndTakesIssuerAnchors() throws Exception {
        Path file = dir.resolve("anchored.stk");
        Path userPin = Files.writeString(dir.resolve("user.pin"), Tokens.USER_PIN + "\n");
        Path adminPin = Files.writeString(dir.resolve("admin.pin"), Tokens.ADMIN_PIN + "\r\n");
        Path anchor = Files.writeString(dir.resolve("ca.pem"),
                Tokens.pem(java.util.List.of(TestPki.create("Issuing CA").caCertificate())));
        expect(0, new Cli().run("soft", "init", file, "--label", "anchored", "--kdf-iterations", "10000",
                "--pin-file", userPin, "--admin-pin-file", adminPin, "--issuer-anchor", anchor));
        try (SecureToken token = SoftTokens.open(file);
                var pin = jp.securetoken.api.PinCallback.fixed(Tokens.USER_PIN.toCharArray())) {
            assertTrue(token.capabilities().supports(JahisCapability.ISSUING_SERVER_AUTHENTICATION));
            token.login(pin);
        }
    }

    @Test
    void initReadsBothPinsFromStandardInputWhenAsked() throws Exception {
        Path file = dir.resolve("stdin.stk");
        expect(0, new Cli().stdin(Tokens.USER_PIN + "\n" + Tokens.ADMIN_PIN + "\n").run("soft", "init", file,
                "--label", "stdin", "--kdf-iterations", "10000", "--pin-stdin"));
        try (SecureToken token = SoftTokens.open(file);
                var pin = jp.securetoken.api.PinCallback.fixed(Tokens.ADMIN_PIN.toCharArray())) {
            token.changePin(PinRole.ADMINISTRATOR, pin, pin);
        }
    }

    @Test
    void withoutATerminalOrPinOptionInitIsAUsageError() throws Exception {
        Cli.Result r = expect(2, new Cli().run("soft", "init", dir.resolve("x.stk"), "--label", "x"));
        assertTrue(r.err().contains("there is no terminal to ask for the user PIN; give --pin-env NAME, "
                + "--pin-file FILE or --pin-stdin"), r::toString);
        assertFalse(Files.exists(dir.resolve("x.stk")));
    }

    @Test
    void anUnsetPinVariableIsAUsageError() throws Exception {
        Cli.Result r = expect(2, new Cli().run("soft", "init", dir.resolve("x.stk"), "--label", "x",
                "--pin-env", "NO_SUCH_VARIABLE_SET", "--admin-pin-env", "NO_SUCH_VARIABLE_SET"));
        assertTrue(r.err().contains("the environment variable NO_SUCH_VARIABLE_SET"), r::toString);
    }

    @Test
    void aTooShortPinIsAnAuthenticationFailure() throws Exception {
        Cli.Result r = expect(3, withPins().env("SHORT", "123").run("soft", "init", dir.resolve("short.stk"),
                "--label", "x", "--kdf-iterations", "10000", "--pin-env", "SHORT", "--admin-pin-env", "APIN"));
        assertTrue(r.err().startsWith("nodeauth: "), r::toString);
        assertFalse(r.err().contains("123"), r::toString);
    }

    @Test
    void initNeverOverwritesAFile() throws Exception {
        Path file = Files.writeString(dir.resolve("taken.stk"), "precious");
        Cli.Result r = expect(1, withPins().run("soft", "init", file, "--label", "x", "--kdf-iterations", "10000",
                "--pin-env", "UPIN", "--admin-pin-env", "APIN"));
        assertTrue(r.err().contains("a file already exists at " + file), r::toString);
        assertEquals("precious", Files.readString(file));
    }

    @Test
    void tooFewKdfIterationsIsAUsageError() throws Exception {
        Cli.Result r = expect(2, withPins().run("soft", "init", dir.resolve("weak.stk"), "--label", "x",
                "--kdf-iterations", "1000", "--pin-env", "UPIN", "--admin-pin-env", "APIN"));
        assertTrue(r.err().contains("kdfIterations must be 10000 to 10000000"), r::toString);
    }
}
