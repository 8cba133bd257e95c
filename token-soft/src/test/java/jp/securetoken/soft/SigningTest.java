package jp.securetoken.soft;

import static jp.securetoken.soft.Fixtures.USER_PIN;
import static jp.securetoken.soft.Fixtures.pin;
import static jp.securetoken.soft.Fixtures.verifies;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import jp.securetoken.api.Credential;
import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.LoginRequiredException;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.SignatureScheme;
import jp.securetoken.api.UnsupportedSignatureSchemeException;
import jp.securetoken.testpki.TestPki;

class SigningTest {
    private static final byte[] DATA = "CertificateVerify transcript".getBytes(StandardCharsets.UTF_8);
    private static TestPki pki;

    @TempDir
    Path dir;

    @BeforeAll
    static void pki() {
        pki = TestPki.create("Signing Test CA");
    }

    private SecureToken tokenWith(KeyAlgorithm algorithm) throws Exception {
        SecureToken token = SoftTokens.open(Fixtures.create(dir, "sign"));
        token.login(pin(USER_PIN));
        Fixtures.issue(token, pki, "node", algorithm);
        return token;
    }

    private static Set<SignatureScheme> expectedSchemes(KeyAlgorithm algorithm) {
        return switch (algorithm) {
            case EC_P256 -> EnumSet.of(SignatureScheme.ECDSA_P256_SHA256);
            case EC_P384 -> EnumSet.of(SignatureScheme.ECDSA_P384_SHA384);
            default -> EnumSet.of(SignatureScheme.RSA_PKCS1_SHA256, SignatureScheme.RSA_PKCS1_SHA384,
                    SignatureScheme.RSA_PKCS1_SHA512, SignatureScheme.RSA_PSS_SHA256, SignatureScheme.RSA_PSS_SHA384,
                    SignatureScheme.RSA_PSS_SHA512);
        };
    }

    @ParameterizedTest
    @EnumSource(KeyAlgorithm.class)
    void signsDataWithEverySchemeOfTheKeyAndJcaVerifies(KeyAlgorithm algorithm) throws Exception {
        try (SecureToken token = tokenWith(algorithm)) {
            Credential credential = token.credential("node");
            assertEquals(expectedSchemes(algorithm), credential.key().signatureSchemes());
            for (SignatureScheme scheme : credential.key().signatureSchemes()) {
                byte[] signature = credential.key().sign(scheme, DATA);
                assertTrue(verifies(credential.certificate().getPublicKey(), scheme, DATA, signature), scheme.name());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = KeyAlgorithm.class, names = {"EC_P256", "EC_P384", "RSA_2048"})
    void signsAPrecomputedDigestAsTheSignatureOverTheData(KeyAlgorithm algorithm) throws Exception {
        try (SecureToken token = tokenWith(algorithm)) {
            Credential credential = token.credential("node");
            for (SignatureScheme scheme : credential.key().signatureSchemes()) {
                byte[] digest = MessageDigest.getInstance(scheme.digestAlgorithm()).digest(DATA);
                byte[] signature = credential.key().signDigest(scheme, digest);
                assertTrue(verifies(credential.certificate().getPublicKey(), scheme, DATA, signature), scheme.name());
            }
        }
    }

    /** RFC 6979: the nonce comes from the key and the digest, so a weak random source cannot leak the key. */
    @ParameterizedTest
    @EnumSource(value = KeyAlgorithm.class, names = {"EC_P256", "EC_P384"})
    void ecdsaNoncesAreDerivedDeterministically(KeyAlgorithm algorithm) throws Exception {
        try (SecureToken token = tokenWith(algorithm)) {
            Credential credential = token.credential("node");
            SignatureScheme scheme = credential.key().signatureSchemes().iterator().next();
            byte[] digest = MessageDigest.getInstance(scheme.digestAlgorithm()).digest(DATA);
            byte[] other = MessageDigest.getInstance(scheme.digestAlgorithm()).digest(new byte[] {1, 2, 3});
            byte[] first = credential.key().signDigest(scheme, digest);
            assertTrue(java.util.Arrays.equals(first, credential.key().signDigest(scheme, digest)));
            assertFalse(java.util.Arrays.equals(first, credential.key().signDigest(scheme, other)));
        }
    }

    @Test
    void pkcs1SignatureOverDigestEqualsSignatureOverData() throws Exception {
        try (SecureToken token = tokenWith(KeyAlgorithm.RSA_2048)) {
            Credential credential = token.credential("node");
            SignatureScheme scheme = SignatureScheme.RSA_PKCS1_SHA384;
            byte[] digest = MessageDigest.getInstance("SHA-384").digest(DATA);
            assertTrue(java.util.Arrays.equals(credential.key().sign(scheme, DATA),
                    credential.key().signDigest(scheme, digest)));
        }
    }

    @Test
    void schemeTheKeyCannotComputeIsRefused() throws Exception {
        try (SecureToken token = tokenWith(KeyAlgorithm.EC_P256)) {
            Credential credential = token.credential("node");
            UnsupportedSignatureSchemeException e = assertThrows(UnsupportedSignatureSchemeException.class,
                    () -> credential.key().sign(SignatureScheme.ECDSA_P384_SHA384, DATA));
            assertEquals(SignatureScheme.ECDSA_P384_SHA384, e.scheme());
            assertThrows(UnsupportedSignatureSchemeException.class,
                    () -> credential.key().sign(SignatureScheme.RSA_PSS_SHA256, DATA));
        }
    }

    @Test
    void digestOfTheWrongLengthIsAnIllegalArgument() throws Exception {
        try (SecureToken token = tokenWith(KeyAlgorithm.EC_P256)) {
            Credential credential = token.credential("node");
            assertThrows(IllegalArgumentException.class,
                    () -> credential.key().signDigest(SignatureScheme.ECDSA_P256_SHA256, new byte[20]));
        }
    }

    @Test
    void signingNeedsLogin() throws Exception {
        try (SecureToken token = tokenWith(KeyAlgorithm.EC_P256)) {
            token.logout();
            assertFalse(token.isLoggedIn());
            Credential credential = token.credential("node");
            assertThrows(LoginRequiredException.class,
                    () -> credential.key().sign(SignatureScheme.ECDSA_P256_SHA256, DATA));
        }
    }

    @Test
    void sixteenThreadsSignAtOnceAndEverySignatureVerifies() throws Exception {
        try (SecureToken token = tokenWith(KeyAlgorithm.EC_P256)) {
            Credential credential = token.credential("node");
            ExecutorService pool = Executors.newFixedThreadPool(16);
            try {
                CountDownLatch start = new CountDownLatch(1);
                List<Future<Boolean>> results = new ArrayList<>();
                for (int t = 0; t < 16; t++) {
                    byte[] data = ("thread " + t).getBytes(StandardCharsets.UTF_8);
                    results.add(pool.submit(() -> {
                        start.await();
                        boolean ok = true;
                        for (int i = 0; i < 20; i++) {
                            byte[] sig = credential.key().sign(SignatureScheme.ECDSA_P256_SHA256, data);
                            ok &= verifies(credential.certificate().getPublicKey(), SignatureScheme.ECDSA_P256_SHA256,
                                    data, sig);
                            ok &= !token.credentials().isEmpty();
                        }
                        return ok;
                    }));
                }
                start.countDown();
                for (Future<Boolean> f : results) {
                    assertTrue(f.get());
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void asynchronousSigningCompletesOffTheCallersThread() throws Exception {
        try (SecureToken token = tokenWith(KeyAlgorithm.EC_P256)) {
            Credential credential = token.credential("node");
            CompletableFuture<byte[]> f = credential.key().signAsync(SignatureScheme.ECDSA_P256_SHA256, DATA);
            assertTrue(verifies(credential.certificate().getPublicKey(), SignatureScheme.ECDSA_P256_SHA256, DATA,
                    f.get()));
        }
    }

    @Test
    void keyToStringShowsAliasAndAlgorithmButNoKeyMaterial() throws Exception {
        try (SecureToken token = tokenWith(KeyAlgorithm.RSA_2048)) {
            Credential credential = token.credential("node");
            String text = credential.key().toString() + credential + token;
            assertTrue(text.contains("node"));
            assertFalse(text.contains(USER_PIN));
            java.security.interfaces.RSAPublicKey pub =
                    (java.security.interfaces.RSAPublicKey) credential.key().publicKey();
            assertFalse(text.contains(pub.getModulus().toString(16).substring(0, 16)));
            assertFalse(text.contains(pub.getModulus().toString().substring(0, 16)));
            assertFalse(text.toLowerCase().contains("private"));
        }
    }

    @Test
    void tokenDeclaresTheSchemesOfItsKeyTypes() throws Exception {
        try (SecureToken token = SoftTokens.open(Fixtures.create(dir, "schemes"))) {
            assertTrue(token.signatureSchemes().containsAll(expectedSchemes(KeyAlgorithm.RSA_2048)));
            assertTrue(token.signatureSchemes().contains(SignatureScheme.ECDSA_P256_SHA256));
            assertTrue(token.signatureSchemes().contains(SignatureScheme.ECDSA_P384_SHA384));
            assertFalse(token.signatureSchemes().contains(SignatureScheme.RSA_PKCS1_SHA1));
        }
    }
}
