package jp.securetoken.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Signature;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import jp.securetoken.api.CapabilityNotSupportedException;
import jp.securetoken.api.Credential;
import jp.securetoken.api.CredentialUsage;
import jp.securetoken.api.JahisCapability;
import jp.securetoken.api.LoginRequiredException;
import jp.securetoken.api.PinCallback;
import jp.securetoken.api.SecureTokens;
import jp.securetoken.api.SignatureScheme;
import jp.securetoken.api.TokenUriException;
import jp.securetoken.testpki.HeldCertificate;

class CscTokenTest {
    private static final byte[] DOCUMENT = "紹介状 / referral letter".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;
    RemoteService service;

    @BeforeEach
    void start() throws Exception {
        service = new RemoteService(dir);
    }

    @AfterEach
    void stop() {
        service.close();
    }

    static boolean verifies(Credential c, SignatureScheme scheme, byte[] data, byte[] signature) throws Exception {
        Signature v = Signature.getInstance(scheme.jcaAlgorithm());
        if (scheme.jcaParameters().isPresent()) {
            v.setParameter(scheme.jcaParameters().get());
        }
        v.initVerify(c.certificate().getPublicKey());
        v.update(data);
        return v.verify(signature);
    }

    @Test
    void aServiceAccountListsOnlyItsOwnCredentialsAndSignsWithTheRemoteKey() throws Exception {
        try (CscToken token = RemoteService.open(service.config().build())) {
            token.login(PinCallback.fixed(RemoteService.PIN.toCharArray()));
            List<String> aliases = token.credentials().stream().map(Credential::alias).toList();
            assertEquals(List.of("alice-node", "alice-otp", "alice-sign"), aliases);

            Credential sign = token.credential("alice-sign");
            assertEquals(CredentialUsage.DOCUMENT_SIGNING, sign.usage());
            assertEquals(CredentialUsage.NODE_AUTHENTICATION, token.credential("alice-node").usage());
            byte[] signature = sign.key().sign(SignatureScheme.ECDSA_P256_SHA256, DOCUMENT);
            assertTrue(verifies(sign, SignatureScheme.ECDSA_P256_SHA256, DOCUMENT, signature));
            assertEquals(1, service.csc.signatureCount());
        }
    }

    @Test
    void rsaKeysSignPkcs1AndPssThroughTheService() throws Exception {
        try (CscToken token = RemoteService.open(service.config().credential("alice-node").build())) {
            token.login(request -> null);
            Credential node = token.credential("alice-node");
            for (SignatureScheme s : List.of(SignatureScheme.RSA_PKCS1_SHA256, SignatureScheme.RSA_PSS_SHA256)) {
                assertTrue(node.key().signatureSchemes().contains(s));
                assertTrue(verifies(node, s, DOCUMENT, node.key().sign(s, DOCUMENT)), s.toString());
            }
        }
    }

    @Test
    void aPersonLogsInWithAuthorizationCodeAndPkce() throws Exception {
        service.csc.signIn("alice");
        CscTokenConfig config = service.config()
                .login(OAuthLogin.authorizationCode("signing-app", RemoteService.REDIRECT, service.browser())).build();
        try (CscToken token = RemoteService.open(config)) {
            token.login(PinCallback.fixed(RemoteService.PIN.toCharArray()));
            Credential sign = token.credential("alice-sign");
            assertTrue(verifies(sign, SignatureScheme.ECDSA_P256_SHA256, DOCUMENT,
                    sign.key().sign(SignatureScheme.ECDSA_P256_SHA256, DOCUMENT)));
        }
    }

    @Test
    void aRedirectWhoseStateIsNotOursIsRefused() throws Exception {
        service.csc.signIn("alice");
        AuthorizationBrowser real = service.browser();
        AuthorizationBrowser forged = request -> URI.create(real.authorize(request).toString()
                .replaceAll("state=[^&]*", "state=attacker"));
        CscTokenConfig config = service.config()
                .login(OAuthLogin.authorizationCode("signing-app", RemoteService.REDIRECT, forged)).build();
        try (CscToken token = RemoteService.open(config)) {
            SigningServiceException e = assertThrows(SigningServiceException.class, () -> token.login(r -> null));
            assertEquals("state_mismatch", e.errorCode());
            assertFalse(token.isLoggedIn());
        }
    }

    @Test
    void aPersonWithOneTimePasswordSignsWhenTheServiceSentIt() throws Exception {
        try (CscToken token = RemoteService.open(service.config().build())) {
            token.login(service.pinAndOtp("alice-otp"));
            Credential otp = token.credential("alice-otp");
            assertTrue(verifies(otp, SignatureScheme.ECDSA_P256_SHA256, DOCUMENT,
                    otp.key().sign(SignatureScheme.ECDSA_P256_SHA256, DOCUMENT)));
        }
    }

    @Test
    void anExpiredAccessTokenIsRenewedWithoutTheCallerNoticing() throws Exception {
        service.csc.signIn("alice");
        CscTokenConfig config = service.config()
                .login(OAuthLogin.authorizationCode("signing-app", RemoteService.REDIRECT, service.browser())).build();
        try (CscToken token = RemoteService.open(config)) {
            token.login(PinCallback.fixed(RemoteService.PIN.toCharArray()));
            Credential sign = token.credential("alice-sign");
            service.csc.advanceClock(Duration.ofMinutes(11));
            sign.key().sign(SignatureScheme.ECDSA_P256_SHA256, DOCUMENT);
            assertEquals(1, service.csc.signatureCount());
            assertTrue(token.isLoggedIn());
        }
    }

    @Test
    void logoutRevokesTheSessionAtTheServiceAndSigningNeedsALoginAgain() throws Exception {
        try (CscToken token = RemoteService.open(service.config().build())) {
            token.login(PinCallback.fixed(RemoteService.PIN.toCharArray()));
            Credential sign = token.credential("alice-sign");
            assertEquals(1, service.csc.activeSessions());
            token.logout();
            assertEquals(0, service.csc.activeSessions());
            assertFalse(token.isLoggedIn());
            assertInstanceOf(LoginRequiredException.class, assertThrows(Exception.class,
                    () -> sign.key().sign(SignatureScheme.ECDSA_P256_SHA256, DOCUMENT)));
        }
    }

    @Test
    void theRemoteTokenDeclaresWhatItLacksAsJahisCapabilities() throws Exception {
        try (CscToken token = RemoteService.open(service.config().build())) {
            assertTrue(token.capabilities().supports(JahisCapability.SIGNATURE_GENERATION));
            assertTrue(token.capabilities().missingMandatory(JahisCapability.Phase.NORMAL_USE).isEmpty());
            assertEquals(JahisCapability.USER_DATA_STORAGE,
                    assertThrows(CapabilityNotSupportedException.class, token::userData).capability());
            assertEquals(JahisCapability.CREDENTIAL_WRITE_UPDATE,
                    assertThrows(CapabilityNotSupportedException.class, token::lifecycle).capability());
        }
    }

    @Test
    void aCscAddressOpensTheTokenWithTheSecretFromTheEnvironment() throws Exception {
        Path anchors = dir.resolve("service-ca.pem");
        Files.writeString(anchors, HeldCertificate.pem(service.serviceCa.caCertificate()));
        URI address = URI.create("csc://localhost:" + service.csc.port() + "/csc/v2?credential=alice-sign"
                + "&client-id=node-7&client-secret-env=CSC_SECRET&trust=" + anchors);
        CscTokenConfig config = CscTokenConfig.parse(address, Map.of("CSC_SECRET", RemoteService.SECRET)::get);
        assertEquals(URI.create("csc://localhost:" + service.csc.port() + "/csc/v2/?credential=alice-sign"),
                config.uri());
        assertFalse(config.toString().contains(RemoteService.SECRET));
        try (CscToken token = (CscToken) SecureTokens.discover().open(config)) {
            token.login(PinCallback.fixed(RemoteService.PIN.toCharArray()));
            assertEquals(List.of("alice-sign"), token.credentials().stream().map(Credential::alias).toList());
        }
    }

    @Test
    void aCscAddressWithoutItsClientOrWithUnknownParametersIsRefused() {
        assertThrows(TokenUriException.class, () -> CscTokenConfig.parse(
                URI.create("csc://localhost:1/csc/v2?credential=x"), Map.<String, String>of()::get));
        assertThrows(TokenUriException.class, () -> CscTokenConfig.parse(
                URI.create("csc://localhost:1/csc/v2?client-id=a&client-secret-env=S&pin=1234"),
                Map.of("S", "x")::get));
        assertThrows(TokenUriException.class, () -> CscTokenConfig.parse(
                URI.create("csc://localhost:1/csc/v2?client-id=a&client-secret-env=UNSET"),
                Map.<String, String>of()::get));
    }
}
