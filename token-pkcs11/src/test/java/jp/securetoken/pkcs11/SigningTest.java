package jp.securetoken.pkcs11;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import jp.securetoken.api.Credential;
import jp.securetoken.api.CredentialUsage;
import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.LoginRequiredException;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.SignatureScheme;
import jp.securetoken.api.TokenKey;
import jp.securetoken.api.UnsupportedSignatureSchemeException;
import jp.securetoken.testpki.TestPki;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Keys generated in SoftHSM2 through SunPKCS11 sign every declared scheme; JCA verifies. */
class SigningTest {
    private static final TestPki PKI = TestPki.create("Signing CA");
    private static final byte[] DATA = "ATNA audit record".getBytes(StandardCharsets.UTF_8);
    private static SecureToken token;

    @BeforeAll
    static void issueKeys() throws Exception {
        token = SoftHsm.open("signing");
        token.login(SoftHsm.userPin());
        for (KeyAlgorithm a : KeyAlgorithm.values()) {
            TokenKey key = token.lifecycle().generateKeyPair(a.name(), a);
            token.lifecycle().writeCredential(a.name(), PKI.issue(a.name()).clientAuth().certifyChain(key.publicKey()),
                    CredentialUsage.NODE_AUTHENTICATION);
        }
    }

    @AfterAll
    static void close() {
        token.close();
    }

    private static Credential credential(KeyAlgorithm a) throws Exception {
        return token.credential(a.name());
    }

    @ParameterizedTest
    @EnumSource(value = SignatureScheme.class, names = {"RSA_PKCS1_SHA256", "RSA_PKCS1_SHA384", "RSA_PKCS1_SHA512",
        "RSA_PSS_SHA256", "RSA_PSS_SHA384", "RSA_PSS_SHA512"})
    void rsaKeysSignEveryRsaScheme(SignatureScheme scheme) throws Exception {
        for (KeyAlgorithm a : List.of(KeyAlgorithm.RSA_2048, KeyAlgorithm.RSA_3072)) {
            Credential c = credential(a);
            byte[] signature = c.key().sign(scheme, DATA);
            assertTrue(SoftHsm.verifies(c.certificate().getPublicKey(), scheme, DATA, signature), a + " " + scheme);
        }
    }

    @Test
    void ecKeysSignWithTheirCurvesScheme() throws Exception {
        Credential p256 = credential(KeyAlgorithm.EC_P256);
        Credential p384 = credential(KeyAlgorithm.EC_P384);
        assertEquals(Set.of(SignatureScheme.ECDSA_P256_SHA256), p256.key().signatureSchemes());
        assertEquals(Set.of(SignatureScheme.ECDSA_P384_SHA384), p384.key().signatureSchemes());
        assertTrue(SoftHsm.verifies(p256.certificate().getPublicKey(), SignatureScheme.ECDSA_P256_SHA256, DATA,
                p256.key().sign(SignatureScheme.ECDSA_P256_SHA256, DATA)));
        assertTrue(SoftHsm.verifies(p384.certificate().getPublicKey(), SignatureScheme.ECDSA_P384_SHA384, DATA,
                p384.key().sign(SignatureScheme.ECDSA_P384_SHA384, DATA)));
    }

    @Test
    void privateKeysStayInTheTokenSensitiveAndUnextractable() throws Exception {
        for (Credential c : token.credentials()) {
            Pkcs11Key key = (Pkcs11Key) c.key();
            assertNull(key.privateKey().getEncoded(), c.alias());
            assertTrue(key.privateKey().toString().contains("token object, sensitive, unextractable"),
                    key.privateKey().toString());
        }
    }

    @Test
    void manyThreadsSignThroughTheTokensQueue() throws Exception {
        Credential c = credential(KeyAlgorithm.EC_P256);
        List<CompletableFuture<byte[]>> futures = new java.util.ArrayList<>();
        for (int i = 0; i < 16; i++) {
            futures.add(CompletableFuture.supplyAsync(() -> c.key().signAsync(SignatureScheme.ECDSA_P256_SHA256, DATA))
                    .thenCompose(f -> f));
        }
        for (CompletableFuture<byte[]> f : futures) {
            assertTrue(SoftHsm.verifies(c.certificate().getPublicKey(), SignatureScheme.ECDSA_P256_SHA256, DATA,
                    f.get()));
        }
    }

    @Test
    void aSchemeTheKeyCannotComputeIsRefused() throws Exception {
        Credential ec = credential(KeyAlgorithm.EC_P256);
        assertThrows(UnsupportedSignatureSchemeException.class,
                () -> ec.key().sign(SignatureScheme.RSA_PSS_SHA256, DATA));
        assertFalse(credential(KeyAlgorithm.RSA_2048).key().signatureSchemes().contains(SignatureScheme.RSA_PKCS1_SHA1));
    }

    @Test
    void aDigestOfTheWrongLengthIsRefused() throws Exception {
        Credential rsa = credential(KeyAlgorithm.RSA_2048);
        assertThrows(IllegalArgumentException.class, () -> rsa.key().signDigest(SignatureScheme.RSA_PKCS1_SHA256,
                new byte[20]));
    }

    @Test
    void signingAfterLogoutNeedsLoginAgain() throws Exception {
        try (SecureToken other = SoftHsm.open("signing")) {
            other.login(SoftHsm.userPin());
            Credential c = other.credential(KeyAlgorithm.EC_P256.name());
            other.logout();
            assertThrows(LoginRequiredException.class, () -> c.key().sign(SignatureScheme.ECDSA_P256_SHA256, DATA));
            assertThrows(LoginRequiredException.class, other::credentials);
        } finally {
            token.login(SoftHsm.userPin()); // PKCS#11 login state is shared by every session of the process
        }
    }
}
