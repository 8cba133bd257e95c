package jp.securetoken.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import jp.securetoken.api.Credential;
import jp.securetoken.api.PinCallback;
import jp.securetoken.api.PinEntryCancelledException;
import jp.securetoken.api.PinIncorrectException;
import jp.securetoken.api.SignatureScheme;
import jp.securetoken.api.TokenException;

/**
 * What the service refuses and how the token reports it: wrong PIN or one-time password, SADs that
 * expired, were replayed, or are used for other hashes, credentials deleted mid-session, sessions
 * revoked at the service, other users' credentials. Nothing is signed in any of these cases.
 */
class CscBadInputTest {
    private static final byte[] DOCUMENT = "処方箋 / prescription".getBytes(StandardCharsets.UTF_8);
    private static final SignatureScheme ES256 = SignatureScheme.ECDSA_P256_SHA256;

    @TempDir
    Path dir;
    RemoteService service;
    CscToken token;

    @BeforeEach
    void start() throws Exception {
        service = new RemoteService(dir);
        token = RemoteService.open(service.config().build());
    }

    @AfterEach
    void stop() {
        token.close();
        service.close();
    }

    private static String hash(String text) {
        try {
            return Base64.getEncoder().encodeToString(
                    MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aWrongPinIsAnIncorrectPinAndNothingIsSigned() throws Exception {
        token.login(PinCallback.fixed("9999".toCharArray()));
        Credential sign = token.credential("alice-sign");
        assertThrows(PinIncorrectException.class, () -> sign.key().sign(ES256, DOCUMENT));
        assertEquals(0, service.csc.signatureCount());
    }

    @Test
    void noPinFromTheCallbackCancelsTheSignature() throws Exception {
        token.login(request -> null);
        Credential sign = token.credential("alice-sign");
        assertThrows(PinEntryCancelledException.class, () -> sign.key().sign(ES256, DOCUMENT));
        assertEquals(0, service.csc.signatureCount());
    }

    @Test
    void aWrongOneTimePasswordIsRejectedAsSuch() throws Exception {
        token.login(request -> request.purpose().contains("one-time") ? "000000".toCharArray()
                : RemoteService.PIN.toCharArray());
        Credential otp = token.credential("alice-otp");
        OneTimePasswordRejectedException e = assertThrows(OneTimePasswordRejectedException.class,
                () -> otp.key().sign(ES256, DOCUMENT));
        assertFalse(e.getMessage().contains("000000"));
        assertEquals(0, service.csc.signatureCount());
    }

    @Test
    void aSadUsedAfterItExpiredIsRefused() throws Exception {
        token.login(PinCallback.fixed(RemoteService.PIN.toCharArray()));
        List<String> hashes = List.of(hash("a"));
        AuthorizationExpiredException e = assertThrows(AuthorizationExpiredException.class, () -> token.queue().call(() -> {
            RemoteCredential c = token.describe("alice-sign");
            String sad = token.authorize(c, ES256, hashes);
            service.csc.advanceClock(Duration.ofMinutes(6));
            return token.signWithSad(c, ES256, hashes, sad);
        }));
        assertTrue(e.getMessage().contains("SAD"));
        assertEquals(0, service.csc.signatureCount());
    }

    @Test
    void aSadIsGoodForOneSignHashOnly() throws Exception {
        token.login(PinCallback.fixed(RemoteService.PIN.toCharArray()));
        List<String> hashes = List.of(hash("a"));
        assertThrows(AuthorizationExpiredException.class, () -> token.queue().call(() -> {
            RemoteCredential c = token.describe("alice-sign");
            String sad = token.authorize(c, ES256, hashes);
            token.signWithSad(c, ES256, hashes, sad);
            return token.signWithSad(c, ES256, hashes, sad);
        }));
        assertEquals(1, service.csc.signatureCount());
    }

    @Test
    void aSadSignsOnlyTheHashesItWasIssuedFor() throws Exception {
        token.login(PinCallback.fixed(RemoteService.PIN.toCharArray()));
        SigningServiceException e = assertThrows(SigningServiceException.class, () -> token.queue().call(() -> {
            RemoteCredential c = token.describe("alice-sign");
            String sad = token.authorize(c, ES256, List.of(hash("approved")));
            return token.signWithSad(c, ES256, List.of(hash("swapped")), sad);
        }));
        assertEquals("invalid_request", e.errorCode());
        assertEquals(0, service.csc.signatureCount());
    }

    @Test
    void aHashCountThatDiffersFromTheSadIsRefused() throws Exception {
        token.login(PinCallback.fixed(RemoteService.PIN.toCharArray()));
        SigningServiceException e = assertThrows(SigningServiceException.class, () -> token.queue().call(() -> {
            RemoteCredential c = token.describe("alice-sign");
            String sad = token.authorize(c, ES256, List.of(hash("one"), hash("two")));
            return token.signWithSad(c, ES256, List.of(hash("one")), sad);
        }));
        assertEquals("invalid_request", e.errorCode());
        assertEquals(0, service.csc.signatureCount());
    }

    @Test
    void aBatchOfHashesIsSignedUnderOneActivation() throws Exception {
        token.login(PinCallback.fixed(RemoteService.PIN.toCharArray()));
        List<byte[]> signatures = token.queue().call(() -> {
            RemoteCredential c = token.describe("alice-sign");
            return token.signHashes(c, ES256, List.of(new byte[32], new byte[32], new byte[32]));
        });
        assertEquals(3, signatures.size());
        assertEquals(3, service.csc.signatureCount());
    }

    @Test
    void aCredentialDeletedMidSessionCannotSignAnyMore() throws Exception {
        token.login(PinCallback.fixed(RemoteService.PIN.toCharArray()));
        Credential sign = token.credential("alice-sign");
        sign.key().sign(ES256, DOCUMENT);
        service.csc.deleteCredential("alice-sign");
        CredentialUnavailableException e = assertThrows(CredentialUnavailableException.class,
                () -> sign.key().sign(ES256, DOCUMENT));
        assertEquals("alice-sign", e.credentialId());
        assertThrows(jp.securetoken.api.CredentialNotFoundException.class, () -> token.credential("alice-sign"));
        assertEquals(1, service.csc.signatureCount());
    }

    @Test
    void aCredentialDisabledMidSessionCannotSignAnyMore() throws Exception {
        token.login(PinCallback.fixed(RemoteService.PIN.toCharArray()));
        Credential sign = token.credential("alice-sign");
        service.csc.disableCredential("alice-sign");
        assertThrows(CredentialUnavailableException.class, () -> sign.key().sign(ES256, DOCUMENT));
        assertThrows(CredentialUnavailableException.class,
                () -> token.credential("alice-sign").key().sign(ES256, DOCUMENT));
        assertEquals(0, service.csc.signatureCount());
    }

    @Test
    void anotherUsersCredentialIsNeitherListedNorUsable() throws Exception {
        token.login(PinCallback.fixed(RemoteService.PIN.toCharArray()));
        assertTrue(token.credentials().stream().noneMatch(c -> c.alias().equals("bob-sign")));
        assertThrows(CredentialUnavailableException.class, () -> token.queue().call(() -> token.describe("bob-sign")));
    }

    @Test
    void aLogoutInTheManagementToolEndsTheSession() throws Exception {
        service.csc.signIn("alice");
        try (CscToken person = RemoteService.open(service.config()
                .login(OAuthLogin.authorizationCode("signing-app", RemoteService.REDIRECT, service.browser())).build())) {
            person.login(PinCallback.fixed(RemoteService.PIN.toCharArray()));
            Credential sign = person.credential("alice-sign");
            service.csc.logOutEverywhere("alice");
            assertThrows(AuthorizationExpiredException.class, () -> sign.key().sign(ES256, DOCUMENT));
            assertFalse(person.isLoggedIn());
            assertEquals(0, service.csc.signatureCount());
        }
    }

    @Test
    void aWrongClientSecretIsRefusedAtLogin() throws Exception {
        try (CscToken other = RemoteService.open(service.config()
                .login(OAuthLogin.clientCredentials("node-7", "guess".toCharArray())).build())) {
            TokenException e = assertThrows(AuthorizationExpiredException.class, () -> other.login(r -> null));
            assertFalse(e.getMessage().contains("guess"));
            assertFalse(other.isLoggedIn());
        }
    }
}
