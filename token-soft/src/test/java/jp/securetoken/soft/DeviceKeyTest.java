package jp.securetoken.soft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;

import jp.securetoken.api.Credential;
import jp.securetoken.api.DeviceKey;
import jp.securetoken.api.DeviceKeyRejectedException;
import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.LoginRequiredException;
import jp.securetoken.api.OperationNotSupportedException;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.SignatureScheme;
import jp.securetoken.api.UserDataLimitException;
import jp.securetoken.testpki.TestPki;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Key-based token-entity authentication (JAHIS 7.2.2 b): a device without a person logs in to its
 * software token with its host key instead of a PIN kept in a file, and nothing else does.
 */
class DeviceKeyTest {
    private static final KeyPair HOST = TestPki.Keys.rsa(2048);
    private static final KeyPair OTHER_HOST = TestPki.Keys.rsa(2048);
    private static final TestPki PKI = TestPki.create("Device CA");
    private static final byte[] DATA = "device challenge".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    private Path enrolled() throws Exception {
        Path file = Fixtures.create(dir, "device");
        try (SecureToken token = SoftTokens.open(file)) {
            assertThrows(LoginRequiredException.class,
                    () -> token.enrolDeviceKey(DeviceKey.of(HOST.getPrivate(), HOST.getPublic())));
            token.login(Fixtures.pin(Fixtures.USER_PIN));
            Fixtures.issue(token, PKI, "node", KeyAlgorithm.EC_P256);
            token.enrolDeviceKey(DeviceKey.of(HOST.getPrivate(), HOST.getPublic()));
        }
        return file;
    }

    @Test
    void theEnrolledHostKeyLogsTheDeviceInWithoutAPin() throws Exception {
        Path file = enrolled();
        try (SecureToken token = SoftTokens.open(file)) {
            token.login(DeviceKey.of(HOST.getPrivate(), HOST.getPublic()));
            assertTrue(token.isLoggedIn());
            Credential node = token.credential("node");
            assertTrue(Fixtures.verifies(node.certificate().getPublicKey(), SignatureScheme.ECDSA_P256_SHA256, DATA,
                    node.key().sign(SignatureScheme.ECDSA_P256_SHA256, DATA)));
        }
    }

    @Test
    void anotherHostKeyIsRefused() throws Exception {
        Path file = enrolled();
        try (SecureToken token = SoftTokens.open(file)) {
            assertThrows(DeviceKeyRejectedException.class,
                    () -> token.login(DeviceKey.of(OTHER_HOST.getPrivate(), OTHER_HOST.getPublic())));
            assertFalse(token.isLoggedIn());
        }
    }

    @Test
    void aKeyThatShowsTheEnrolledPublicKeyButSignsWithAnotherIsRefused() throws Exception {
        Path file = enrolled();
        try (SecureToken token = SoftTokens.open(file)) {
            DeviceKey impostor = DeviceKey.of(OTHER_HOST.getPrivate(), HOST.getPublic());
            assertThrows(DeviceKeyRejectedException.class, () -> token.login(impostor));
            assertFalse(token.isLoggedIn());
        }
    }

    @Test
    void withoutAnEnrolledKeyNoDeviceLogsIn() throws Exception {
        Path file = Fixtures.create(dir, "plain");
        try (SecureToken token = SoftTokens.open(file)) {
            assertThrows(DeviceKeyRejectedException.class,
                    () -> token.login(DeviceKey.of(HOST.getPrivate(), HOST.getPublic())));
        }
    }

    @Test
    void anEcdsaHostKeyCannotUnlockAFileAndIsRefusedAtEnrolment() throws Exception {
        Path file = Fixtures.create(dir, "ec");
        KeyPair ec = TestPki.Keys.ecP256();
        try (SecureToken token = SoftTokens.open(file)) {
            token.login(Fixtures.pin(Fixtures.USER_PIN));
            assertThrows(OperationNotSupportedException.class,
                    () -> token.enrolDeviceKey(DeviceKey.of(ec.getPrivate(), ec.getPublic())));
        }
    }

    @Test
    void theEnrolmentIsNoUserDataAndCannotBeOverwrittenAsUserData() throws Exception {
        Path file = enrolled();
        try (SecureToken token = SoftTokens.open(file)) {
            assertEquals(List.of(), token.userData().names());
            token.login(Fixtures.pin(Fixtures.USER_PIN));
            assertThrows(UserDataLimitException.class,
                    () -> token.userData().write(DeviceSlot.RECORD, new byte[] {1}));
        }
        try (SecureToken token = SoftTokens.open(file)) {
            token.login(DeviceKey.of(HOST.getPrivate(), HOST.getPublic()));
            assertTrue(token.isLoggedIn(), "the enrolment survived");
        }
    }
}
