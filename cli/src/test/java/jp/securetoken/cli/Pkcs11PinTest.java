package jp.securetoken.cli;

import static jp.securetoken.cli.CliTestSupport.expect;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import jp.securetoken.testsupport.SoftHsm2;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pin change} and {@code pin unlock} on SoftHSM2 tokens (C_SetPIN, C_InitPIN), each checked
 * afterwards by {@code pkcs11-tool --login} in a process of its own.
 */
class Pkcs11PinTest {
    static final String PIN = "4711-user";
    static final String SO_PIN = "9999-officer";

    @TempDir
    static Path dir;
    static SoftHsm2 hsm;

    @BeforeAll
    static void tokens() throws Exception {
        hsm = SoftHsm2.create(dir);
        hsm.initToken("change-me", PIN, SO_PIN);
        hsm.initToken("unlock-me", PIN, SO_PIN);
        hsm.initToken("so-change", PIN, SO_PIN);
    }

    private static Cli cli() {
        return new Cli().env("OLD", PIN).env("NEW", "2468-fresh").env("SO", SO_PIN).env(hsm.environment());
    }

    private static int pkcs11ToolLogin(String label, String pin) throws Exception {
        return hsm.pkcs11ToolRaw("--token-label", label, "--login", "--pin", pin, "--list-objects").exitCode();
    }

    @Test
    void pinChangeSetsTheNewPinThatPkcs11ToolThenAccepts() throws Exception {
        Cli.Result r = expect(0, cli().run("pin", "change", "--token", SoftHsm2.uri("change-me"), "--pin-env", "OLD",
                "--new-pin-env", "NEW"));
        assertTrue(r.out().contains("Changed the user PIN of token 'change-me'."), r::toString);
        assertFalse(r.out().contains("IAIK"), "the wrapper's notices stay out of standard output: " + r);
        assertEquals(0, pkcs11ToolLogin("change-me", "2468-fresh"));
        assertTrue(pkcs11ToolLogin("change-me", PIN) != 0, "the old PIN no longer logs in");
        Cli.Result wrong = expect(3, cli().run("pin", "change", "--token", SoftHsm2.uri("change-me"), "--pin-env",
                "OLD", "--new-pin-env", "NEW"));
        assertTrue(wrong.err().contains("PIN"), wrong::toString);
    }

    @Test
    void pinChangeAdminSetsTheSecurityOfficerPinThatPkcs11ToolThenAccepts() throws Exception {
        Cli.Result r = expect(0, cli().env("NEWSO", "1357-officer").run("pin", "change", "--token",
                SoftHsm2.uri("so-change"), "--admin", "--admin-pin-env", "SO", "--new-pin-env", "NEWSO"));
        assertTrue(r.out().contains("so-change"), r::toString);
        assertEquals(0, hsm.pkcs11ToolRaw("--token-label", "so-change", "--login", "--login-type", "so", "--so-pin",
                "1357-officer", "--list-objects", "--session-rw").exitCode());
        assertTrue(hsm.pkcs11ToolRaw("--token-label", "so-change", "--login", "--login-type", "so", "--so-pin",
                SO_PIN, "--list-objects", "--session-rw").exitCode() != 0,
                "the old security officer PIN no longer logs in");
        assertEquals(0, pkcs11ToolLogin("so-change", PIN), "the user PIN is unchanged");
    }

    @Test
    void pinUnlockSetsANewUserPinWithTheSecurityOfficerPin() throws Exception {
        expect(3, cli().env("SO", "0000-wrong").run("pin", "unlock", "--token", SoftHsm2.uri("unlock-me"),
                "--admin-pin-env", "SO", "--new-pin-env", "NEW"));
        assertEquals(0, pkcs11ToolLogin("unlock-me", PIN), "a wrong SO PIN changed nothing");
        Cli.Result r = expect(0, cli().run("pin", "unlock", SoftHsm2.uri("unlock-me"), "--admin-pin-env", "SO",
                "--new-pin-env", "NEW"));
        assertTrue(r.out().contains("Unlocked the user PIN of token 'unlock-me'"), r::toString);
        assertEquals(0, pkcs11ToolLogin("unlock-me", "2468-fresh"));
    }
}
