package jp.securetoken.soft;

import static jp.securetoken.soft.Fixtures.USER_PIN;
import static jp.securetoken.soft.Fixtures.pin;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import jp.securetoken.api.LoginRequiredException;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.UserDataLimitException;
import jp.securetoken.api.UserDataStore;

class UserDataTest {
    private static final byte[] DEVICE_ID = "manufacturer=ACME;device=CT-0042".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    @Test
    void recordsAreReadableWithoutLoginAfterReopen() throws Exception {
        Path file = Fixtures.create(dir, "ud");
        try (SecureToken token = SoftTokens.open(file)) {
            token.login(pin(USER_PIN));
            token.userData().write("device-id", DEVICE_ID);
        }
        try (SecureToken token = SoftTokens.open(file)) {
            assertFalse(token.isLoggedIn());
            assertEquals(List.of("device-id"), token.userData().names());
            assertArrayEquals(DEVICE_ID, token.userData().read("device-id").orElseThrow());
            assertTrue(token.userData().read("absent").isEmpty());
        }
    }

    @Test
    void writingAndDeletingNeedLogin() throws Exception {
        try (SecureToken token = SoftTokens.open(Fixtures.create(dir, "ud"))) {
            assertThrows(LoginRequiredException.class, () -> token.userData().write("device-id", DEVICE_ID));
            assertThrows(LoginRequiredException.class, () -> token.userData().delete("device-id"));
            token.login(pin(USER_PIN));
            token.userData().write("device-id", DEVICE_ID);
            assertTrue(token.userData().delete("device-id"));
            assertFalse(token.userData().delete("device-id"));
        }
    }

    @Test
    void recordLargerThanTheLimitIsRefused() throws Exception {
        try (SecureToken token = SoftTokens.open(Fixtures.create(dir, "ud"))) {
            token.login(pin(USER_PIN));
            UserDataStore store = token.userData();
            store.write("max", new byte[store.maxRecordSize()]);
            assertThrows(UserDataLimitException.class, () -> store.write("big", new byte[store.maxRecordSize() + 1]));
            assertEquals(List.of("max"), store.names());
        }
    }

    @Test
    void recordsBeyondTheCountLimitAreRefused() throws Exception {
        try (SecureToken token = SoftTokens.open(Fixtures.create(dir, "ud"))) {
            token.login(pin(USER_PIN));
            UserDataStore store = token.userData();
            for (int i = 0; i < store.maxRecords(); i++) {
                store.write("r" + i, new byte[] {(byte) i});
            }
            assertThrows(UserDataLimitException.class, () -> store.write("one-more", new byte[1]));
            store.write("r0", new byte[] {42});
            assertArrayEquals(new byte[] {42}, store.read("r0").orElseThrow());
        }
    }

    @Test
    void recordNamesOutsideTheCharsetAreRefused() throws Exception {
        try (SecureToken token = SoftTokens.open(Fixtures.create(dir, "ud"))) {
            token.login(pin(USER_PIN));
            for (String bad : new String[] {"", "a/b", "名前", "x".repeat(65), "a b"}) {
                assertThrows(UserDataLimitException.class, () -> token.userData().write(bad, DEVICE_ID), bad);
            }
        }
    }

    @Test
    void returnedBytesAreACopy() throws Exception {
        try (SecureToken token = SoftTokens.open(Fixtures.create(dir, "ud"))) {
            token.login(pin(USER_PIN));
            byte[] value = DEVICE_ID.clone();
            token.userData().write("device-id", value);
            value[0] = 0;
            token.userData().read("device-id").orElseThrow()[1] = 0;
            assertArrayEquals(DEVICE_ID, token.userData().read("device-id").orElseThrow());
        }
    }
}
