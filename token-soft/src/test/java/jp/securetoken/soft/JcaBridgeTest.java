package jp.securetoken.soft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.NotSerializableException;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.jca.SecureTokenProvider;
import jp.securetoken.api.jca.TokenKeyStoreParameter;
import jp.securetoken.api.jca.TokenPrivateKey;
import jp.securetoken.testpki.TestPki;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The JCA bridge proven with real software tokens: a standard KeyManagerFactory over the
 * SecureToken key store gives plain JSSE sockets token keys on both sides of a mutual-TLS handshake.
 */
class JcaBridgeTest {
    @TempDir
    Path dir;

    private final TestPki pki = TestPki.create("Bridge Test CA");
    private SecureToken server;
    private SecureToken client;

    @BeforeAll
    static void installProvider() {
        SecureTokenProvider.install();
    }

    @AfterEach
    void close() {
        if (server != null) {
            server.close();
        }
        if (client != null) {
            client.close();
        }
    }

    private SecureToken loggedIn(String name, KeyAlgorithm algorithm) throws Exception {
        SecureToken token = SoftTokens.open(Fixtures.create(dir, name));
        token.login(Fixtures.pin(Fixtures.USER_PIN));
        var key = token.lifecycle().generateKeyPair("node", algorithm);
        token.lifecycle().writeCredential("node",
                pki.issue(name).clientAuth().serverAuth().certifyChain(key.publicKey()),
                jp.securetoken.api.CredentialUsage.NODE_AUTHENTICATION);
        return token;
    }

    private SSLContext jsseContext(SecureToken token, String kmfAlgorithm) throws Exception {
        KeyStore keys = KeyStore.getInstance(SecureTokenProvider.KEYSTORE_TYPE);
        keys.load(TokenKeyStoreParameter.of(token));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(kmfAlgorithm);
        kmf.init(keys, null);
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        trusted.setCertificateEntry("ca", pki.caCertificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(trusted);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return context;
    }

    @ParameterizedTest
    @EnumSource(value = KeyAlgorithm.class, names = {"EC_P256", "RSA_2048"})
    void plainJsseSocketsAuthenticateEachOtherWithTokenKeys(KeyAlgorithm algorithm) throws Exception {
        server = loggedIn("gateway", algorithm);
        client = loggedIn("clinic", algorithm);
        SSLContext serverContext = jsseContext(server, "PKIX");
        SSLContext clientContext = jsseContext(client, "SunX509");

        try (SSLServerSocket listener = (SSLServerSocket) serverContext.getServerSocketFactory()
                .createServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            listener.setNeedClientAuth(true);
            listener.setSoTimeout(20_000);
            CompletableFuture<String> serverSide = CompletableFuture.supplyAsync(() -> {
                try (SSLSocket s = (SSLSocket) listener.accept()) {
                    s.setSoTimeout(20_000);
                    s.startHandshake();
                    String peer = s.getSession().getPeerPrincipal().getName();
                    s.getOutputStream().write(s.getInputStream().read());
                    return peer;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            try (SSLSocket s = (SSLSocket) clientContext.getSocketFactory()
                    .createSocket(listener.getInetAddress(), listener.getLocalPort())) {
                s.setSoTimeout(20_000);
                s.startHandshake();
                assertEquals("TLSv1.3", s.getSession().getProtocol());
                assertTrue(s.getSession().getPeerPrincipal().getName().contains("CN=gateway"));
                s.getOutputStream().write(42);
                assertEquals(42, s.getInputStream().read());
            }
            assertTrue(serverSide.get(20, TimeUnit.SECONDS).contains("CN=clinic"));
        }
    }

    @Test
    void theKeyStoreShowsTheTokensCredentialsWithOpaqueKeys() throws Exception {
        server = loggedIn("gateway", KeyAlgorithm.EC_P256);
        KeyStore keys = KeyStore.getInstance(SecureTokenProvider.KEYSTORE_TYPE);
        keys.load(TokenKeyStoreParameter.of(server));

        assertEquals(List.of("node"), Collections.list(keys.aliases()));
        assertTrue(keys.isKeyEntry("node"));
        assertEquals(server.credential("node").certificate(), keys.getCertificate("node"));
        assertEquals(2, keys.getCertificateChain("node").length);
        PrivateKey key = assertInstanceOf(TokenPrivateKey.class, keys.getKey("node", null));
        assertNull(key.getEncoded());
        assertNull(key.getFormat());
        assertEquals("EC", key.getAlgorithm());
        assertThrows(KeyStoreException.class, () -> keys.deleteEntry("node"));
        assertThrows(NotSerializableException.class,
                () -> new ObjectOutputStream(new ByteArrayOutputStream()).writeObject(key));
    }

    @ParameterizedTest
    @EnumSource(value = KeyAlgorithm.class, names = {"EC_P256", "RSA_2048"})
    void standardSignatureObjectsSignWithATokenKeyAndStandardProvidersVerify(KeyAlgorithm algorithm) throws Exception {
        server = loggedIn("gateway", algorithm);
        TokenPrivateKey key = TokenPrivateKey.of(server.credential("node").key());
        X509Certificate certificate = server.credential("node").certificate();
        byte[] data = "challenge".getBytes(StandardCharsets.UTF_8);
        for (String name : algorithm == KeyAlgorithm.EC_P256 ? List.of("SHA256withECDSA")
                : List.of("SHA256withRSA", "SHA384withRSA", "SHA256withRSAandMGF1")) {
            Signature signer = Signature.getInstance(name);
            signer.initSign(key);
            signer.update(data);
            byte[] signature = signer.sign();
            assertEquals(SecureTokenProvider.NAME, signer.getProvider().getName());
            Signature verifier = Signature.getInstance(name.endsWith("MGF1") ? "RSASSA-PSS" : name);
            if (name.endsWith("MGF1")) {
                verifier.setParameter(jp.securetoken.api.SignatureScheme.RSA_PSS_SHA256.jcaParameters().orElseThrow());
            }
            verifier.initVerify(certificate);
            verifier.update(data);
            assertTrue(verifier.verify(signature), name);
        }
    }

    @Test
    void noneWithRsaSignsACallersDigestInfoLikeATlsStackDoes() throws Exception {
        server = loggedIn("gateway", KeyAlgorithm.RSA_2048);
        byte[] data = "tls transcript".getBytes(StandardCharsets.UTF_8);
        byte[] digestInfo = jp.securetoken.api.SignatureScheme.RSA_PKCS1_SHA256.digestInfo(
                java.security.MessageDigest.getInstance("SHA-256").digest(data));
        Signature raw = Signature.getInstance("NONEwithRSA");
        raw.initSign(TokenPrivateKey.of(server.credential("node").key()));
        raw.update(digestInfo);
        byte[] signature = raw.sign();

        Signature verifier = Signature.getInstance("SHA256withRSA");
        verifier.initVerify(server.credential("node").certificate());
        verifier.update(data);
        assertTrue(verifier.verify(signature));

        Signature standard = Signature.getInstance("SHA256withRSA");
        standard.initSign(TokenPrivateKey.of(server.credential("node").key()));
        standard.update(data);
        assertArrayEquals(signature, standard.sign(), "PKCS#1 v1.5 is deterministic: both routes give the same bytes");
    }
}
