package jp.securetoken.pkcs11;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;

import jp.securetoken.api.LoginRequiredException;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.UserDataLimitException;
import jp.securetoken.api.UserDataStore;
import org.junit.jupiter.api.Test;

/** User data as public CKO_DATA objects: readable by anyone, written only after login. */
class UserDataTest {
    private static final byte[] DEVICE_ID = "maker=Example Medical;device=CT-0042".getBytes(StandardCharsets.UTF_8);

    @Test
    void aRecordWrittenAfterLoginIsReadableWithoutLogin() throws Exception {
        try (SecureToken writer = SoftHsm.open("userdata")) {
            writer.login(SoftHsm.userPin());
            writer.userData().write("device-id", DEVICE_ID);
            writer.userData().write("機器", new byte[] {1, 2, 3});
        }
        try (SecureToken reader = SoftHsm.open("userdata")) {
            UserDataStore data = reader.userData();
            assertFalse(reader.isLoggedIn());
            assertArrayEquals(DEVICE_ID, data.read("device-id").orElseThrow());
            assertArrayEquals(new byte[] {1, 2, 3}, data.read("機器").orElseThrow());
            assertTrue(data.names().containsAll(List.of("device-id", "機器")));
            assertTrue(data.read("absent").isEmpty());
        }
    }

    @Test
    void writingAgainReplacesTheValueAndDeletingRemovesIt() throws Exception {
        try (SecureToken token = SoftHsm.open("userdata")) {
            token.login(SoftHsm.userPin());
            UserDataStore data = token.userData();
            data.write("counter", new byte[] {1});
            data.write("counter", new byte[] {2});
            assertArrayEquals(new byte[] {2}, data.read("counter").orElseThrow());
            assertEquals(1, data.names().stream().filter("counter"::equals).count());
            assertTrue(data.delete("counter"));
            assertFalse(data.delete("counter"));
            assertTrue(data.read("counter").isEmpty());
        }
    }

    @Test
    void writingWithoutLoginIsRefused() throws Exception {
        try (SecureToken token = SoftHsm.open("userdata")) {
            assertThrows(LoginRequiredException.class, () -> token.userData().write("x", new byte[] {1}));
            assertThrows(LoginRequiredException.class, () -> token.userData().delete("x"));
        }
    }

    @Test
    void aRecordOverTheLimitIsRefused() throws Exception {
        try (SecureToken token = SoftHsm.open("userdata")) {
            token.login(SoftHsm.userPin());
            UserDataStore data = token.userData();
            assertThrows(UserDataLimitException.class, () -> data.write("big", new byte[data.maxRecordSize() + 1]));
            assertTrue(data.read("big").isEmpty());
        }
    }
}
