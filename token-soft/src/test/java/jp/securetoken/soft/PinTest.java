package jp.securetoken.soft;

import static jp.securetoken.soft.Fixtures.ADMIN_PIN;
import static jp.securetoken.soft.Fixtures.USER_PIN;
import static jp.securetoken.soft.Fixtures.pin;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import jp.securetoken.api.PinCallback;
import jp.securetoken.api.PinEntryCancelledException;
import jp.securetoken.api.PinFormatException;
import jp.securetoken.api.PinIncorrectException;
import jp.securetoken.api.PinLockedException;
import jp.securetoken.api.PinRole;
import jp.securetoken.api.PinStatus;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.TokenException;

class PinTest {
    @TempDir
    Path dir;

    private Path tokenFile() throws TokenException {
        return Fixtures.create(dir, "pins");
    }

    /** A callback that remembers every array it handed out. */
    private static final class Recording implements PinCallback {
        final String pin;
        final List<char[]> given = new ArrayList<>();

        Recording(String pin) {
            this.pin = pin;
        }

        @Override
        public char[] providePin(jp.securetoken.api.PinRequest request) {
            char[] c = pin.toCharArray();
            given.add(c);
            return c;
        }

        boolean allWiped() {
            return !given.isEmpty() && given.stream().allMatch(c -> new String(c).chars().allMatch(ch -> ch == 0));
        }
    }

    @Test
    void rightPinLogsIn() throws Exception {
        try (SecureToken token = SoftTokens.open(tokenFile())) {
            assertFalse(token.isLoggedIn());
            token.login(pin(USER_PIN));
            assertTrue(token.isLoggedIn());
            token.logout();
            assertFalse(token.isLoggedIn());
        }
    }

    @Test
    void wrongPinReportsRetriesLeftDecreasing() throws Exception {
        try (SecureToken token = SoftTokens.open(tokenFile())) {
            for (int left = 4; left >= 1; left--) {
                PinIncorrectException e = assertThrows(PinIncorrectException.class, () -> token.login(pin("0000")));
                assertEquals(left, e.retriesLeft());
                assertEquals(PinRole.USER, e.role());
                assertEquals(left, token.pinStatus(PinRole.USER).retriesLeft());
            }
            token.login(pin(USER_PIN));
            assertEquals(PinStatus.of(PinRole.USER, 5, 5), token.pinStatus(PinRole.USER));
        }
    }

    @Test
    void pinLocksAfterMaxRetries() throws Exception {
        Path file = dir.resolve("three.stk");
        SoftTokens.create(file, Fixtures.settings("three").maxRetries(3).build());
        try (SecureToken token = SoftTokens.open(file)) {
            for (int i = 0; i < 3; i++) {
                assertThrows(PinIncorrectException.class, () -> token.login(pin("0000")));
            }
            PinStatus status = token.pinStatus(PinRole.USER);
            assertTrue(status.locked());
            assertEquals(0, status.retriesLeft());
            assertThrows(PinLockedException.class, () -> token.login(pin(USER_PIN)));
        }
    }

    @Test
    void lockedPinIsNotTriedAndTheFileDoesNotChange() throws Exception {
        Path file = dir.resolve("locked.stk");
        SoftTokens.create(file, Fixtures.settings("locked").maxRetries(1).build());
        try (SecureToken token = SoftTokens.open(file)) {
            assertThrows(PinIncorrectException.class, () -> token.login(pin("0000")));
            byte[] before = Files.readAllBytes(file);
            Recording callback = new Recording(USER_PIN);
            assertThrows(PinLockedException.class, () -> token.login(callback));
            assertTrue(callback.given.isEmpty(), "a locked PIN is not even asked for");
            assertArrayEquals(before, Files.readAllBytes(file));
            assertEquals(0, token.pinStatus(PinRole.USER).retriesLeft());
        }
    }

    @Test
    void administratorPinUnlocksAndResetsTheUserPin() throws Exception {
        try (SecureToken token = SoftTokens.open(tokenFile())) {
            for (int i = 0; i < 5; i++) {
                assertThrows(PinIncorrectException.class, () -> token.login(pin("0000")));
            }
            assertThrows(PinLockedException.class, () -> token.login(pin(USER_PIN)));
            token.unlockUserPin(pin(ADMIN_PIN), pin("new-user-pin"));
            assertEquals(5, token.pinStatus(PinRole.USER).retriesLeft());
            assertThrows(PinIncorrectException.class, () -> token.login(pin(USER_PIN)));
            token.login(pin("new-user-pin"));
            assertTrue(token.isLoggedIn());
        }
    }

    @Test
    void wrongAdministratorPinCountsAgainstTheAdministratorPin() throws Exception {
        try (SecureToken token = SoftTokens.open(tokenFile())) {
            PinIncorrectException e = assertThrows(PinIncorrectException.class,
                    () -> token.unlockUserPin(pin("wrong-admin"), pin("new-user-pin")));
            assertEquals(PinRole.ADMINISTRATOR, e.role());
            assertEquals(4, token.pinStatus(PinRole.ADMINISTRATOR).retriesLeft());
            assertEquals(5, token.pinStatus(PinRole.USER).retriesLeft());
        }
    }

    @Test
    void changedAdministratorPinUnlocksAndTheOldOneNoLongerDoes() throws Exception {
        try (SecureToken token = SoftTokens.open(tokenFile())) {
            token.changePin(PinRole.ADMINISTRATOR, pin(ADMIN_PIN), pin("new-admin-pin"));
            assertThrows(PinIncorrectException.class, () -> token.unlockUserPin(pin(ADMIN_PIN), pin("user-2")));
            token.unlockUserPin(pin("new-admin-pin"), pin("user-2"));
            token.login(pin("user-2"));
        }
    }

    @Test
    void lockedAdministratorPinCannotUnlockAnything() throws Exception {
        Path file = dir.resolve("admin-locked.stk");
        SoftTokens.create(file, Fixtures.settings("admin-locked").maxRetries(2).build());
        try (SecureToken token = SoftTokens.open(file)) {
            for (int i = 0; i < 2; i++) {
                assertThrows(PinIncorrectException.class, () -> token.unlockUserPin(pin("wrong-admin"), pin("user-2")));
            }
            PinLockedException e = assertThrows(PinLockedException.class,
                    () -> token.unlockUserPin(pin(ADMIN_PIN), pin("user-2")));
            assertEquals(PinRole.ADMINISTRATOR, e.role());
            token.login(pin(USER_PIN));
        }
    }

    @Test
    void changedPinReplacesTheOldOneAcrossReopen() throws Exception {
        Path file = tokenFile();
        try (SecureToken token = SoftTokens.open(file)) {
            token.changePin(PinRole.USER, pin(USER_PIN), pin("changed-pin"));
        }
        try (SecureToken token = SoftTokens.open(file)) {
            assertThrows(PinIncorrectException.class, () -> token.login(pin(USER_PIN)));
            token.login(pin("changed-pin"));
            assertTrue(token.isLoggedIn());
        }
    }

    @Test
    void changePinWithWrongCurrentPinSpendsATryAndChangesNothing() throws Exception {
        try (SecureToken token = SoftTokens.open(tokenFile())) {
            assertThrows(PinIncorrectException.class,
                    () -> token.changePin(PinRole.USER, pin("0000"), pin("changed-pin")));
            assertEquals(4, token.pinStatus(PinRole.USER).retriesLeft());
            token.login(pin(USER_PIN));
        }
    }

    @Test
    void emptyPinIsAFormatErrorAndSpendsNoTry() throws Exception {
        try (SecureToken token = SoftTokens.open(tokenFile())) {
            assertThrows(PinFormatException.class, () -> token.login(pin("")));
            assertThrows(PinFormatException.class, () -> token.login(pin("12")));
            assertThrows(PinFormatException.class,
                    () -> token.changePin(PinRole.USER, pin(USER_PIN), pin("")));
            assertEquals(5, token.pinStatus(PinRole.USER).retriesLeft());
        }
    }

    @Test
    void cancelledPinEntrySpendsNoTry() throws Exception {
        try (SecureToken token = SoftTokens.open(tokenFile())) {
            assertThrows(PinEntryCancelledException.class, () -> token.login(request -> null));
            assertEquals(5, token.pinStatus(PinRole.USER).retriesLeft());
        }
    }

    @Test
    void pinArraysAreWipedAfterLoginRightOrWrong() throws Exception {
        try (SecureToken token = SoftTokens.open(tokenFile())) {
            Recording right = new Recording(USER_PIN);
            token.login(right);
            assertTrue(right.allWiped());
            Recording wrong = new Recording("0000");
            assertThrows(PinIncorrectException.class, () -> token.login(wrong));
            assertTrue(wrong.allWiped());
            Recording tooShort = new Recording("1");
            assertThrows(PinFormatException.class, () -> token.login(tooShort));
            assertTrue(tooShort.allWiped());
            Recording current = new Recording(USER_PIN);
            Recording next = new Recording("changed-pin");
            token.changePin(PinRole.USER, current, next);
            assertTrue(current.allWiped() && next.allWiped());
        }
    }

    @Test
    void failureCounterSurvivesReopen() throws Exception {
        Path file = tokenFile();
        try (SecureToken token = SoftTokens.open(file)) {
            assertThrows(PinIncorrectException.class, () -> token.login(pin("0000")));
            assertThrows(PinIncorrectException.class, () -> token.login(pin("0000")));
        }
        try (SecureToken token = SoftTokens.open(file)) {
            assertEquals(3, token.pinStatus(PinRole.USER).retriesLeft());
        }
    }

    @Test
    void failureIsOnDiskBeforeThePinIsChecked() throws Exception {
        Path file = tokenFile();
        AtomicInteger failuresSeenAtFirstWrite = new AtomicInteger(-1);
        try (SecureToken token = SoftTokens.open(file)) {
            AtomicFiles.hook = step -> {
                if (step == AtomicFiles.Step.DIRECTORY_SYNCED && failuresSeenAtFirstWrite.get() < 0) {
                    try {
                        failuresSeenAtFirstWrite.set(TokenFile.decode(Files.readAllBytes(file)).user().failures());
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            };
            token.login(pin(USER_PIN));
        } finally {
            AtomicFiles.hook = null;
        }
        assertEquals(1, failuresSeenAtFirstWrite.get(), "the try is counted on disk before the check");
        assertEquals(0, TokenFile.decode(Files.readAllBytes(file)).user().failures(), "and cleared after success");
    }

    @Test
    void pinStatusSpendsNoTry() throws Exception {
        try (SecureToken token = SoftTokens.open(tokenFile())) {
            for (int i = 0; i < 10; i++) {
                assertEquals(PinStatus.of(PinRole.USER, 5, 5), token.pinStatus(PinRole.USER));
            }
            assertEquals(PinStatus.of(PinRole.ADMINISTRATOR, 5, 5), token.pinStatus(PinRole.ADMINISTRATOR));
        }
    }

    @Test
    void exceptionsNeverContainThePin() throws Exception {
        try (SecureToken token = SoftTokens.open(tokenFile())) {
            List<Throwable> errors = new ArrayList<>();
            errors.add(assertThrows(PinIncorrectException.class, () -> token.login(pin("secret-guess-1"))));
            errors.add(assertThrows(PinFormatException.class, () -> token.login(pin("abc"))));
            errors.add(assertThrows(PinIncorrectException.class,
                    () -> token.changePin(PinRole.USER, pin("secret-guess-2"), pin("secret-new-pin"))));
            errors.add(assertThrows(PinIncorrectException.class,
                    () -> token.unlockUserPin(pin("secret-guess-3"), pin("secret-new-pin"))));
            for (Throwable e : errors) {
                for (Throwable t = e; t != null; t = t.getCause()) {
                    String text = t.toString();
                    assertFalse(text.contains("secret") || text.contains("abc") || text.contains(USER_PIN), text);
                }
            }
            assertFalse(Fixtures.settings("x").build().toString().contains(USER_PIN));
        }
    }
}
