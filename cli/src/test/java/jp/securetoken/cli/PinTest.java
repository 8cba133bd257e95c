package jp.securetoken.cli;

import static jp.securetoken.cli.CliTestSupport.expect;
import static jp.securetoken.cli.CliTestSupport.withPins;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PINs on the command line: wrong, locked, changed, unlocked; never echoed. */
class PinTest {
    private static final String WRONG = "wrong-pin-9999";

    @TempDir
    Path dir;

    @Test
    void aWrongPinFailsWithTheTriesLeftAndWithoutThePin() throws Exception {
        Path token = Tokens.empty(dir.resolve("node.stk"), 5);
        Cli.Result r = expect(3, new Cli().env("BAD", WRONG).run("keygen", token, "--alias", "node", "--algorithm",
                "EC_P256", "--pin-env", "BAD"));
        assertEquals("nodeauth: The user PIN is incorrect; 4 tries left before the token locks it. Check the PIN "
                + "before trying again.\n", r.err());
        assertFalse(r.out().contains(WRONG) || r.err().contains(WRONG), r::toString);
        Cli.Result info = expect(0, new Cli().run("token", "info", token));
        assertTrue(info.out().contains("User PIN           4 of 5 tries left"), info::toString);
    }

    @Test
    void aLockedPinFailsWithoutTryingAndInfoShowsIt() throws Exception {
        Path token = Tokens.empty(dir.resolve("node.stk"), 1);
        expect(3, new Cli().env("BAD", WRONG).run("userdata", "set", token, "id", "--value", "x", "--pin-env", "BAD"));
        Cli.Result locked = expect(3, withPins().run("userdata", "set", token, "id", "--value", "x",
                "--pin-env", "UPIN"));
        assertTrue(locked.err().startsWith("nodeauth: The user PIN is locked after too many wrong entries"),
                locked::toString);
        Cli.Result info = expect(0, new Cli().run("token", "info", token, "--json"));
        assertTrue(info.out().contains("\"locked\": true"), info::toString);
    }

    @Test
    void unlockResetsALockedUserPinWithTheAdministratorPin() throws Exception {
        Path token = Tokens.empty(dir.resolve("node.stk"), 1);
        expect(3, new Cli().env("BAD", WRONG).run("userdata", "set", token, "id", "--value", "x", "--pin-env", "BAD"));
        Cli.Result r = expect(0, withPins().env("NEW", "fresh-pin-1").run("pin", "unlock", token,
                "--admin-pin-env", "APIN", "--new-pin-env", "NEW"));
        assertEquals("Unlocked the user PIN of token 'node.stk' and set a new one.\n", r.out());
        expect(0, new Cli().env("NEW", "fresh-pin-1").run("userdata", "set", token, "id", "--value", "x",
                "--pin-env", "NEW"));
    }

    @Test
    void changeReplacesTheUserPin() throws Exception {
        Path token = Tokens.empty(dir.resolve("node.stk"), 5);
        Path newPin = Files.writeString(dir.resolve("new.pin"), "changed-pin-2\n");
        Cli.Result r = expect(0, withPins().run("pin", "change", token, "--pin-env", "UPIN", "--new-pin-file",
                newPin));
        assertEquals("Changed the user PIN of token 'node.stk'.\n", r.out());
        expect(3, withPins().run("userdata", "set", token, "id", "--value", "x", "--pin-env", "UPIN"));
        expect(0, new Cli().run("userdata", "set", token, "id", "--value", "x", "--pin-file", newPin));
    }

    @Test
    void changeWithAdminReplacesTheAdministratorPin() throws Exception {
        Path token = Tokens.empty(dir.resolve("node.stk"), 5);
        expect(0, withPins().env("NEW", "new-admin-pin").run("pin", "change", token, "--admin",
                "--admin-pin-env", "APIN", "--new-pin-env", "NEW"));
        expect(3, withPins().env("NEW", "x-user-pin").run("pin", "unlock", token, "--admin-pin-env", "APIN",
                "--new-pin-env", "NEW"));
        expect(0, withPins().env("ADMIN2", "new-admin-pin").run("pin", "unlock", token, "--admin-pin-env", "ADMIN2",
                "--new-pin-env", "UPIN"));
    }

    @Test
    void aWrongCurrentPinLeavesThePinUnchanged() throws Exception {
        Path token = Tokens.empty(dir.resolve("node.stk"), 5);
        Cli.Result r = expect(3, withPins().env("BAD", WRONG).run("pin", "change", token, "--pin-env", "BAD",
                "--new-pin-env", "BAD"));
        assertTrue(r.err().contains("4 tries left"), r::toString);
        assertFalse(r.err().contains(WRONG), r::toString);
        expect(0, withPins().run("userdata", "set", token, "id", "--value", "x", "--pin-env", "UPIN"));
    }

    @Test
    void pinsComeFromStandardInputOnlyWhenAsked() throws Exception {
        Path token = Tokens.empty(dir.resolve("node.stk"), 5);
        expect(2, new Cli().stdin(Tokens.USER_PIN + "\n").run("userdata", "set", token, "id", "--value", "x"));
        Cli.Result r = expect(0, new Cli().stdin(Tokens.USER_PIN + "\n").run("userdata", "set", token, "id",
                "--value", "x", "--pin-stdin"));
        assertFalse(r.out().contains(Tokens.USER_PIN) || r.err().contains(Tokens.USER_PIN), r::toString);
    }

    @Test
    void anEmptyStandardInputCancelsTheLogin() throws Exception {
        Path token = Tokens.empty(dir.resolve("node.stk"), 5);
        Cli.Result r = expect(3, new Cli().run("userdata", "set", token, "id", "--value", "x", "--pin-stdin"));
        assertTrue(r.err().contains("No user PIN was given"), r::toString);
    }
}
