package jp.securetoken.pkcs11;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import jp.securetoken.api.PinFormatException;
import jp.securetoken.api.PinIncorrectException;
import jp.securetoken.api.PinRole;
import jp.securetoken.api.SecureToken;
import org.junit.jupiter.api.Test;

/**
 * C_SetPIN and C_InitPIN on SoftHSM2 through the IAIK wrapper, each confirmed by a separate
 * {@code pkcs11-tool --login} process: the new PIN logs in, the old one no longer does.
 */
class PinChangeTest {

    @Test
    void theUserPinChangesAndPkcs11ToolLogsInWithTheNewOne() throws Exception {
        try (SecureToken token = SoftHsm.open("pin-change")) {
            char[] handedOver = "5555-new-user".toCharArray();
            token.changePin(PinRole.USER, SoftHsm.userPin(), request -> handedOver);
            assertTrue(new String(handedOver).chars().allMatch(c -> c == 0), "the new PIN array is wiped");
        }
        assertEquals(0, pkcs11ToolLogin("pin-change", "user", "5555-new-user"));
        assertTrue(pkcs11ToolLogin("pin-change", "user", SoftHsm.USER_PIN) != 0, "the old PIN no longer logs in");
        try (SecureToken token = SoftHsm.open("pin-change")) {
            token.login(SoftHsm.pin("5555-new-user"));
            assertTrue(token.isLoggedIn());
        }
    }

    @Test
    void aWrongCurrentPinChangesNothing() throws Exception {
        try (SecureToken token = SoftHsm.open("pin-wrong")) {
            PinIncorrectException e = assertThrows(PinIncorrectException.class,
                    () -> token.changePin(PinRole.USER, SoftHsm.pin("0000-wrong"), SoftHsm.pin("6666-new")));
            assertEquals(PinRole.USER, e.role());
            assertThrows(PinFormatException.class,
                    () -> token.changePin(PinRole.USER, SoftHsm.userPin(), SoftHsm.pin("123")));
        }
        assertEquals(0, pkcs11ToolLogin("pin-wrong", "user", SoftHsm.USER_PIN));
        assertTrue(pkcs11ToolLogin("pin-wrong", "user", "6666-new") != 0);
    }

    @Test
    void theSecurityOfficerSetsANewUserPin() throws Exception {
        try (SecureToken token = SoftHsm.open("pin-unlock")) {
            PinIncorrectException wrong = assertThrows(PinIncorrectException.class,
                    () -> token.unlockUserPin(SoftHsm.pin("0000-not-so"), SoftHsm.pin("7777-reset")));
            assertEquals(PinRole.ADMINISTRATOR, wrong.role());
            token.unlockUserPin(SoftHsm.pin(SoftHsm.SO_PIN), SoftHsm.pin("7777-reset"));
            token.login(SoftHsm.pin("7777-reset"));
            assertTrue(token.isLoggedIn());
        }
        assertEquals(0, pkcs11ToolLogin("pin-unlock", "user", "7777-reset"));
    }

    @Test
    void theSecurityOfficerPinChanges() throws Exception {
        try (SecureToken token = SoftHsm.open("so-change")) {
            token.changePin(PinRole.ADMINISTRATOR, SoftHsm.pin(SoftHsm.SO_PIN), SoftHsm.pin("8888-new-officer"));
            assertFalse(token.isLoggedIn());
        }
        assertEquals(0, pkcs11ToolLogin("so-change", "so", "8888-new-officer"));
        assertTrue(pkcs11ToolLogin("so-change", "so", SoftHsm.SO_PIN) != 0);
    }

    /**
     * {@code pkcs11-tool --login} in its own process; its exit code. A user login lists the objects;
     * an SO login (which needs a read/write session) sets the user PIN to the fixture's again.
     */
    static int pkcs11ToolLogin(String label, String loginType, String pin) throws IOException, InterruptedException {
        List<String> action = loginType.equals("so") ? List.of("--so-pin", pin, "--init-pin", "--new-pin",
                SoftHsm.USER_PIN) : List.of("--pin", pin, "--list-objects");
        List<String> cmd = new java.util.ArrayList<>(List.of("pkcs11-tool", "--module", SoftHsm.MODULE.toString(),
                "--token-label", label, "--login", "--login-type", loginType));
        cmd.addAll(action);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("pkcs11-tool did not finish: " + out);
        }
        return p.exitValue();
    }
}
