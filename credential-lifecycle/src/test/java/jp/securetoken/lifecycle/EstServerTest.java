package jp.securetoken.lifecycle;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.X509TrustManager;
import javax.security.auth.x500.X500Principal;

import jp.securetoken.api.SecureToken;
import jp.securetoken.lifecycle.issuer.EstServer;
import jp.securetoken.lifecycle.issuer.IssuerState;
import org.bouncycastle.asn1.DERPrintableString;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.est.ESTException;
import org.bouncycastle.est.ESTService;
import org.bouncycastle.est.EnrollmentResponse;
import org.bouncycastle.est.HttpAuth;
import org.bouncycastle.est.jcajce.ChannelBindingProvider;
import org.bouncycastle.est.jcajce.JcaJceUtils;
import org.bouncycastle.est.jcajce.JsseESTServiceBuilder;
import org.bouncycastle.jsse.BCSSLSocket;
import org.bouncycastle.jsse.provider.BouncyCastleJsseProvider;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCS10CertificationRequestBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The issuing server against BouncyCastle's EST client (org.bouncycastle.est), an independent
 * implementation of RFC 7030, over TLS 1.2 with tls-unique proof of possession.
 */
class EstServerTest {
    @TempDir
    static Path dir;
    static SecureToken caToken;
    static X509Certificate caCert;
    static IssuerState state;
    static EstServer server;
    static final IssuerFixture.MovableClock CLOCK = new IssuerFixture.MovableClock();

    @BeforeAll
    static void start() throws Exception {
        caToken = IssuerFixture.issuerToken(dir.resolve("issuer.stk"), CLOCK);
        caCert = IssuerFixture.caCertificate(caToken);
        state = IssuerState.open(dir.resolve("state"), CLOCK);
        server = EstServer.builder(caToken, state).connectionLimits(IssuerFixture.LOOPBACK).clock(CLOCK).start();
    }

    @AfterAll
    static void stop() {
        server.close();
        caToken.close();
    }

    private static ESTService est(KeyManagerFactory clientKeys) throws Exception {
        X509TrustManager[] trust = JcaJceUtils.getCertPathTrustManager(Set.of(new TrustAnchor(caCert, null)), null);
        JsseESTServiceBuilder b = new JsseESTServiceBuilder("127.0.0.1:" + server.port(), trust)
                .withProvider(new BouncyCastleJsseProvider())
                .withTLSVersion("TLSv1.2")
                .withTimeout(10_000)
                .withChannelBindingProvider(new ChannelBindingProvider() {
                    @Override
                    public boolean canAccessChannelBinding(Socket sock) {
                        return sock instanceof BCSSLSocket;
                    }

                    @Override
                    public byte[] getChannelBinding(Socket sock, String binding) {
                        return ((BCSSLSocket) sock).getConnection().getChannelBinding(binding);
                    }
                });
        if (clientKeys != null) {
            b.withKeyManagers(clientKeys.getKeyManagers());
        }
        return b.build();
    }

    private static KeyPair ecKey(String curve) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec(curve));
        return g.generateKeyPair();
    }

    private static X509Certificate issued(EnrollmentResponse r) throws Exception {
        X509CertificateHolder[] certs = ESTService.storeToArray(r.getStore());
        assertEquals(1, certs.length);
        return new JcaX509CertificateConverter().getCertificate(certs[0]);
    }

    private static EnrollmentResponse enrollPop(ESTService est, boolean reenroll, KeyPair key, String subject,
            String code) throws Exception {
        PKCS10CertificationRequestBuilder csr = new JcaPKCS10CertificationRequestBuilder(dn(subject),
                key.getPublic());
        return est.simpleEnrollPoP(reenroll, csr, new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate()),
                code == null ? null : new HttpAuth("est", "clinic", code.toCharArray()));
    }

    /** The name as X500Principal reads it (most significant RDN last), the order certificates carry. */
    private static X500Name dn(String name) {
        return X500Name.getInstance(new X500Principal(name).getEncoded());
    }

    private static int status(Exception e) {
        return e instanceof ESTException est ? est.getStatusCode() : -1;
    }

    @Test
    void cacertsIsTheCaCertificate() throws Exception {
        X509CertificateHolder[] certs = ESTService.storeToArray(est(null).getCACerts().getCertificateStore());
        assertEquals(1, certs.length);
        assertArrayEquals(caCert.getEncoded(), certs[0].getEncoded());
    }

    @Test
    void csrattrsAskForTheChannelBinding() throws Exception {
        var attributes = est(null).getCSRAttributes().getAttributesResponse();
        assertTrue(attributes.hasRequirement(PKCSObjectIdentifiers.pkcs_9_at_challengePassword));
    }

    @Test
    void aCodeEnrollsItsSubjectOnceWithTheProfilesCertificate() throws Exception {
        String code = state.invite(new X500Principal("CN=clinic-001, O=Example Clinic, C=JP"), List.of("clinic-001.example"),
                Duration.ofDays(7));
        KeyPair key = ecKey("secp256r1");
        X509Certificate cert = issued(enrollPop(est(null), false, key, "CN=clinic-001,O=Example Clinic,C=JP", code));
        assertEquals(new X500Principal("CN=clinic-001, O=Example Clinic, C=JP"), cert.getSubjectX500Principal());
        assertEquals(key.getPublic(), cert.getPublicKey());
        cert.verify(caCert.getPublicKey());
        assertTrue(cert.getExtendedKeyUsage().containsAll(List.of("1.3.6.1.5.5.7.3.2", "1.3.6.1.5.5.7.3.1")));
        assertTrue(cert.getSubjectAlternativeNames().contains(List.of(2, "clinic-001.example")));
        assertTrue(state.issued().stream().anyMatch(i -> i.serial().equals(cert.getSerialNumber())
                && i.authorisedBy().equals("enrollment-code")));
        assertTrue(Files.readString(state.auditLog()).contains("issued serial=" + cert.getSerialNumber().toString(16)));

        ESTException reused = assertThrows(ESTException.class, () -> enrollPop(est(null), false, ecKey("secp256r1"),
                "CN=clinic-001,O=Example Clinic,C=JP", code));
        assertEquals(401, reused.getStatusCode());
    }

    @Test
    void aWrongCodeIsRefused() throws Exception {
        Exception e = assertThrows(Exception.class, () -> enrollPop(est(null), false, ecKey("secp256r1"),
                "CN=clinic-001,O=Example Clinic,C=JP", "AAAAA-BBBBB-CCCCC-DDDDD"));
        assertEquals(401, status(e), e.toString());
    }

    @Test
    void anotherSubjectThanInvitedIsRefusedAndTheCodeStaysUsable() throws Exception {
        String code = state.invite(new X500Principal("CN=clinic-003, O=Example Clinic, C=JP"), List.of(),
                Duration.ofDays(7));
        Exception e = assertThrows(Exception.class, () -> enrollPop(est(null), false, ecKey("secp256r1"),
                "CN=core-hospital,O=Example Clinic,C=JP", code));
        assertEquals(403, status(e), e.toString());
        X509Certificate cert = issued(enrollPop(est(null), false, ecKey("secp256r1"),
                "CN=clinic-003,O=Example Clinic,C=JP", code));
        assertEquals(new X500Principal("CN=clinic-003, O=Example Clinic, C=JP"), cert.getSubjectX500Principal());
    }

    @Test
    void anExpiredCodeIsRefused() throws Exception {
        String code = state.invite(new X500Principal("CN=clinic-004"), List.of(), Duration.ofSeconds(-1));
        Exception e = assertThrows(Exception.class, () -> enrollPop(est(null), false, ecKey("secp256r1"),
                "CN=clinic-004", code));
        assertEquals(401, status(e), e.toString());
    }

    @Test
    void weakKeysAreRefused() throws Exception {
        String code = state.invite(new X500Principal("CN=clinic-005"), List.of(), Duration.ofDays(1));
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(1024);
        KeyPair small = rsa.generateKeyPair();
        PKCS10CertificationRequestBuilder csr = new JcaPKCS10CertificationRequestBuilder(dn("CN=clinic-005"),
                small.getPublic());
        Exception e = assertThrows(Exception.class, () -> est(null).simpleEnrollPoP(false, csr,
                new JcaContentSignerBuilder("SHA256withRSA").build(small.getPrivate()),
                new HttpAuth("est", "clinic", code.toCharArray())));
        assertEquals(400, status(e), e.toString());
        KeyPairGenerator koblitzKeys = KeyPairGenerator.getInstance("EC",
                new org.bouncycastle.jce.provider.BouncyCastleProvider());
        koblitzKeys.initialize(new ECGenParameterSpec("secp256k1"));
        KeyPair k1 = koblitzKeys.generateKeyPair();
        PKCS10CertificationRequestBuilder koblitz = new JcaPKCS10CertificationRequestBuilder(
                dn("CN=clinic-005"), k1.getPublic());
        Exception e2 = assertThrows(Exception.class, () -> est(null).simpleEnrollPoP(false, koblitz,
                new JcaContentSignerBuilder("SHA256withECDSA")
                        .setProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider()).build(k1.getPrivate()),
                new HttpAuth("est", "clinic", code.toCharArray())));
        assertEquals(400, status(e2), e2.toString());
        assertTrue(Files.readString(state.auditLog()).contains("reason=WEAK_KEY"));
    }

    @Test
    void aRequestSignedByAnotherKeyIsRefused() throws Exception {
        String code = state.invite(new X500Principal("CN=clinic-006"), List.of(), Duration.ofDays(1));
        KeyPair claimed = ecKey("secp256r1");
        KeyPair signer = ecKey("secp256r1");
        PKCS10CertificationRequestBuilder csr = new JcaPKCS10CertificationRequestBuilder(dn("CN=clinic-006"),
                claimed.getPublic());
        Exception e = assertThrows(Exception.class, () -> est(null).simpleEnrollPoP(false, csr,
                new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate()),
                new HttpAuth("est", "clinic", code.toCharArray())));
        assertEquals(400, status(e), e.toString());
    }

    @Test
    void aRequestWithoutOrWithAnotherConnectionsBindingIsRefused() throws Exception {
        String code = state.invite(new X500Principal("CN=clinic-007"), List.of(), Duration.ofDays(1));
        KeyPair key = ecKey("secp256r1");
        PKCS10CertificationRequest unbound = new JcaPKCS10CertificationRequestBuilder(dn("CN=clinic-007"),
                key.getPublic()).build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate()));
        Exception missing = assertThrows(Exception.class, () -> est(null).simpleEnroll(false, unbound,
                new HttpAuth("est", "clinic", code.toCharArray())));
        assertEquals(400, status(missing), missing.toString());
        PKCS10CertificationRequest replayed = new JcaPKCS10CertificationRequestBuilder(dn("CN=clinic-007"),
                key.getPublic()).setAttribute(PKCSObjectIdentifiers.pkcs_9_at_challengePassword,
                        new DERPrintableString("c2VlbiBvbiBhbm90aGVyIGNvbm5lY3Rpb24="))
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate()));
        Exception mismatch = assertThrows(Exception.class, () -> est(null).simpleEnroll(false, replayed,
                new HttpAuth("est", "clinic", code.toCharArray())));
        assertEquals(400, status(mismatch), mismatch.toString());
        assertTrue(Files.readString(state.auditLog()).contains("reason=CHANNEL_BINDING_MISMATCH"));
        issued(enrollPop(est(null), false, key, "CN=clinic-007", code));
    }

    private static KeyManagerFactory keys(KeyPair key, X509Certificate cert) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("node", key.getPrivate(), "x".toCharArray(), new X509Certificate[] {cert, caCert});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX", new BouncyCastleJsseProvider());
        kmf.init(ks, "x".toCharArray());
        return kmf;
    }

    @Test
    void theCurrentCertificateReenrollsItsSubjectUntilRevokedAndTheCrlSaysSo() throws Exception {
        String code = state.invite(new X500Principal("CN=clinic-008, O=Example Clinic, C=JP"), List.of(),
                Duration.ofDays(1));
        KeyPair first = ecKey("secp256r1");
        X509Certificate current = issued(enrollPop(est(null), false, first, "CN=clinic-008,O=Example Clinic,C=JP",
                code));
        KeyPair second = ecKey("secp384r1");
        X509Certificate renewed = issued(enrollPop(est(keys(first, current)), true, second,
                "CN=clinic-008,O=Example Clinic,C=JP", null));
        assertEquals(current.getSubjectX500Principal(), renewed.getSubjectX500Principal());
        assertEquals(second.getPublic(), renewed.getPublicKey());
        assertTrue(state.issued().stream().anyMatch(i -> i.serial().equals(renewed.getSerialNumber())
                && i.authorisedBy().equals("re-enrollment-of-" + current.getSerialNumber().toString(16))));

        Exception other = assertThrows(Exception.class, () -> enrollPop(est(keys(second, renewed)), true,
                ecKey("secp256r1"), "CN=someone-else,O=Example Clinic,C=JP", null));
        assertEquals(403, status(other), other.toString());

        assertTrue(state.revoke(renewed.getSerialNumber(), "key compromise"));
        await().atMost(Duration.ofSeconds(10)).until(() -> crl().getRevokedCertificate(renewed.getSerialNumber()) != null);
        crl().verify(caCert.getPublicKey());
        Exception revoked = assertThrows(Exception.class, () -> enrollPop(est(keys(second, renewed)), true,
                ecKey("secp256r1"), "CN=clinic-008,O=Example Clinic,C=JP", null));
        assertEquals(403, status(revoked), revoked.toString());
        assertEquals(false, state.revoke(BigInteger.valueOf(12345), "unknown"));
    }

    @Test
    void anExpiredCurrentCertificateCannotReenroll() throws Exception {
        String code = state.invite(new X500Principal("CN=clinic-009"), List.of(), Duration.ofDays(1));
        KeyPair key = ecKey("secp256r1");
        X509Certificate current = issued(enrollPop(est(null), false, key, "CN=clinic-009", code));
        int before = state.issued().size();
        CLOCK.advance(Duration.ofDays(400));
        try {
            assertThrows(Exception.class, () -> enrollPop(est(keys(key, current)), true, ecKey("secp256r1"),
                    "CN=clinic-009", null));
        } finally {
            CLOCK.advance(Duration.ofDays(-400));
        }
        assertEquals(before, state.issued().size(), "nothing was issued");
    }

    private static X509CRL crl() throws Exception {
        return (X509CRL) CertificateFactory.getInstance("X.509").generateCRL(
                new ByteArrayInputStream(Files.readAllBytes(state.crlFile())));
    }
}
