package jp.securetoken.tls.trust;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import javax.security.auth.x500.X500Principal;
import jp.securetoken.testpki.HeldCertificate;
import jp.securetoken.testpki.TestPki;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trust policy's checks one by one, without a handshake around them. */
class NodeTrustManagerTest {
    @TempDir
    Path dir;

    private final TestPki pki = TestPki.create("Regional Network CA");

    private static X509Certificate[] chain(HeldCertificate held) {
        return held.chain().toArray(new X509Certificate[0]);
    }

    private static RejectionReason reasonOf(NodeTrustManager tm, X509Certificate[] chain, String host) {
        return assertThrows(PeerRejectedException.class, () -> tm.validate(chain, host)).reason();
    }

    private NodeTrustManager clientChecker(TrustPolicy policy) {
        return new NodeTrustManager(policy, NodeTrustManager.PeerRole.CLIENT);
    }

    @Test
    void aServerMustNameTheHostWhenHostnameCheckingIsOn() {
        TrustPolicy policy = TrustPolicy.builder().trustAnchors(pki.caCertificate()).checkHostname(true).build();
        NodeTrustManager tm = new NodeTrustManager(policy, NodeTrustManager.PeerRole.SERVER);
        X509Certificate[] gateway = chain(pki.issue("gateway").serverAuth().dnsName("gw.region.example.jp")
                .dnsName("*.dc.example.jp").build());

        assertDoesNotThrow(() -> tm.validate(gateway, "gw.region.example.jp"));
        assertDoesNotThrow(() -> tm.validate(gateway, "node7.dc.example.jp"));
        assertEquals(RejectionReason.HOSTNAME_MISMATCH, reasonOf(tm, gateway, "evil.example.jp"));
        assertEquals(RejectionReason.HOSTNAME_MISMATCH, reasonOf(tm, gateway, "a.b.dc.example.jp"));
    }

    @Test
    void hostnamesAreNotCheckedUnlessAsked() {
        TrustPolicy policy = TrustPolicy.builder().trustAnchors(pki.caCertificate()).build();
        NodeTrustManager tm = new NodeTrustManager(policy, NodeTrustManager.PeerRole.SERVER);
        assertDoesNotThrow(() -> tm.validate(chain(pki.issue("gateway").serverAuth().build()), "anything.example"));
    }

    @Test
    void aCertificateOnALoadedCrlIsRevokedAndOthersPass() {
        HeldCertificate revoked = pki.issue("clinic-lost").clientAuth().build();
        HeldCertificate good = pki.issue("clinic-good").clientAuth().build();
        TrustPolicy policy = TrustPolicy.builder().trustAnchors(pki.caCertificate())
                .revocation(Revocation.hardFail().withCrls(List.of(pki.crl(revoked.certificate()))).preferringCrls())
                .build();
        NodeTrustManager tm = clientChecker(policy);

        assertEquals(RejectionReason.REVOKED, reasonOf(tm, chain(revoked), null));
        assertDoesNotThrow(() -> tm.validate(chain(good), null));
    }

    @Test
    void aCertificateNotYetValidIsRefused() {
        Clock yesterday = Clock.fixed(Instant.now().minus(Duration.ofDays(1)), ZoneOffset.UTC);
        TrustPolicy policy = TrustPolicy.builder().trustAnchors(pki.caCertificate()).clock(yesterday).build();
        assertEquals(RejectionReason.NOT_YET_VALID,
                reasonOf(clientChecker(policy), chain(pki.issue("clinic").clientAuth().build()), null));
    }

    @Test
    void aChainThroughAnIntermediateIsAcceptedAndTheIntermediatesPinCounts() {
        TestPki issuing = pki.intermediate("Clinic Issuing CA");
        HeldCertificate clinic = issuing.issue("clinic-001").clientAuth().build();
        TrustPolicy pinnedIntermediate = TrustPolicy.builder().trustAnchors(pki.caCertificate())
                .pinCaSha256(TrustPolicy.sha256Fingerprint(issuing.caCertificate())).build();
        assertDoesNotThrow(() -> clientChecker(pinnedIntermediate).validate(chain(clinic), null));
    }

    @Test
    void withoutTheEkuRequirementACertificateWithoutEkuPassesButAWrongEkuDoesNot() {
        TrustPolicy lenient = TrustPolicy.builder().trustAnchors(pki.caCertificate()).requireExtendedKeyUsage(false)
                .build();
        NodeTrustManager tm = clientChecker(lenient);
        assertDoesNotThrow(() -> tm.validate(chain(pki.issue("device-7").build()), null));
        assertEquals(RejectionReason.WRONG_KEY_USAGE, reasonOf(tm, chain(pki.issue("web").serverAuth().build()), null));
    }

    @Test
    void anEmptyChainIsNoCertificate() {
        TrustPolicy policy = TrustPolicy.builder().trustAnchors(pki.caCertificate()).build();
        assertEquals(RejectionReason.NO_CERTIFICATE, reasonOf(clientChecker(policy), new X509Certificate[0], null));
    }

    @Test
    void anchorsLoadFromPemAndDerFilesAndBadFilesAreRefused() throws Exception {
        Path pem = Files.writeString(dir.resolve("ca.pem"), pki.ca().certificatePem());
        Path der = Files.write(dir.resolve("ca.der"), pki.caCertificate().getEncoded());
        Path junk = Files.writeString(dir.resolve("junk.pem"),
                "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        assertEquals(List.of(pki.caCertificate()), TrustPolicy.readCertificates(pem));
        assertEquals(List.of(pki.caCertificate()), TrustPolicy.readCertificates(der));
        assertThrows(CertificateException.class, () -> TrustPolicy.readCertificates(junk));
    }

    @Test
    void pinsAreWrittenWithOrWithoutColons() {
        String hex = TrustPolicy.sha256Fingerprint(pki.caCertificate());
        String colons = hex.toUpperCase().replaceAll("(..)(?!$)", "$1:");
        TrustPolicy policy = TrustPolicy.builder().trustAnchors(pki.caCertificate()).pinCaSha256(colons).build();
        assertEquals(Set.of(hex), policy.pinnedCaSha256());
        assertThrows(IllegalArgumentException.class, () -> TrustPolicy.builder().pinCaSha256("abc"));
    }

    @Test
    void aPolicyNeedsAnAnchor() {
        assertThrows(IllegalStateException.class, () -> TrustPolicy.builder().build());
    }

    @Test
    void rejectionMessagesNameTheCertificateByIssuerAndSerialOnly() {
        TrustPolicy policy = TrustPolicy.builder().trustAnchors(pki.caCertificate()).build();
        HeldCertificate person = pki.issue(new X500Principal("CN=Yamada Taro, L=Chiyoda, C=JP")).clientAuth()
                .expired().build();
        PeerRejectedException e = assertThrows(PeerRejectedException.class,
                () -> clientChecker(policy).validate(chain(person), null));
        assertEquals(RejectionReason.EXPIRED, e.reason());
        assertFalse(e.getMessage().contains("Yamada"), e.getMessage());
        assertTrue(e.getMessage().contains(person.certificate().getSerialNumber().toString(16)), e.getMessage());
    }

    @Test
    void anAnchorsNameConstraintsLimitTheSubjectsBelowIt() throws Exception {
        TestPki regionA = TestPki.createConstrained("Region A Root", "O=Region A, C=JP");
        NodeTrustManager tm = clientChecker(TrustPolicy.builder().trustAnchors(regionA.caCertificate()).build());
        assertDoesNotThrow(() -> tm.validate(chain(regionA.issue(new X500Principal("CN=clinic-a1, O=Region A, C=JP"))
                .clientAuth().build()), null));
        assertEquals(RejectionReason.NAME_CONSTRAINED, reasonOf(tm, chain(regionA.issue(
                new X500Principal("CN=clinic-b1, O=Region B, C=JP")).clientAuth().build()), null));
    }
}
