package jp.securetoken.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import jp.securetoken.api.PinCallback;
import jp.securetoken.api.PinRole;
import jp.securetoken.api.SecureToken;
import jp.securetoken.soft.SoftTokens;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PINs typed at a terminal: prompted without echo, new PINs asked twice. */
class PromptTest {
    private static final String USER = "typed-user-pin";
    private static final String ADMIN = "typed-admin-pin";

    @TempDir
    Path dir;

    @Test
    void softInitAsksForEachNewPinTwiceWithoutEcho() throws Exception {
        Path file = dir.resolve("typed.stk");
        try (Terminal t = Terminal.run("soft", "init", file, "--label", "typed", "--kdf-iterations", "10000")) {
            t.expect("User PIN of token 'typed' [new PIN] (4 to 64 characters): ");
            t.type(USER);
            t.expect("Again, to confirm: ");
            t.type("something else");
            t.expect("The two entries differ; try again.");
            t.expect("User PIN of token 'typed' [new PIN] (4 to 64 characters): ");
            t.type(USER);
            t.expect("Again, to confirm: ");
            t.type(USER);
            t.expect("Administrator PIN of token 'typed' [new PIN] (4 to 64 characters): ");
            t.type(ADMIN);
            t.expect("Again, to confirm: ");
            t.type(ADMIN);
            assertEquals(0, t.exitCode(), t::transcript);
            assertTrue(t.transcript().contains("Created software token 'typed' at soft:" + file), t::transcript);
            assertFalse(t.transcript().contains(USER) || t.transcript().contains(ADMIN)
                    || t.transcript().contains("something else"), t::transcript);
        }
        try (SecureToken token = SoftTokens.open(file);
                PinCallback.Fixed user = PinCallback.fixed(USER.toCharArray());
                PinCallback.Fixed admin = PinCallback.fixed(ADMIN.toCharArray())) {
            token.login(user);
            token.changePin(PinRole.ADMINISTRATOR, admin, admin);
        }
    }

    @Test
    void loginPromptsWithTheTriesLeft() throws Exception {
        Path token = Tokens.empty(dir.resolve("login.stk"), 5);
        try (Terminal t = Terminal.run("userdata", "set", token, "note", "--value", "typed")) {
            t.expect("User PIN of token 'login.stk' [login, 5 tries left]: ");
            t.type(Tokens.USER_PIN);
            assertEquals(0, t.exitCode(), t::transcript);
            assertFalse(t.transcript().contains(Tokens.USER_PIN), t::transcript);
            assertTrue(t.transcript().contains("Wrote user data record 'note' (5 bytes)"), t::transcript);
        }
    }
}
