package jp.securetoken.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.nio.file.Files;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import javax.security.auth.x500.X500Principal;
import jp.securetoken.api.CredentialSource;
import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.SecureToken;
import jp.securetoken.testpki.HeldCertificate;
import jp.securetoken.testpki.TestPki;
import jp.securetoken.tls.trust.PeerPattern;
import jp.securetoken.tls.trust.RejectionReason;
import jp.securetoken.tls.trust.TrustPolicy;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import jp.securetoken.testsupport.ExternalTool;

/**
 * An attacker's certificates against our gateway, sent by {@code openssl s_client} (with
 * {@code -cert_chain} to append whatever certificates it likes) through a real handshake.
 */
class AttackerChainTest extends LoopbackNodesTest {
    private final TestPki clinicCa = pki.intermediate("Clinic Issuing CA");
    private final TestPki vendorCa = pki.intermediate("Vendor Issuing CA");

    private Peers.Server gateway(TrustPolicy policy) throws Exception {
        SecureToken gateway = nodes.node("gateway", KeyAlgorithm.EC_P256, pki, i -> i.serverAuth().clientAuth());
        return peers.echoServer(nodes.track(NodeTls.server(CredentialSource.of(gateway, TestNodes.ALIAS))
                .trustPolicy(policy).build()));
    }

    private TrustPolicy pinnedToClinicCa(UnaryOperator<TrustPolicy.Builder> more) {
        return more.apply(TrustPolicy.builder().trustAnchors(pki.caCertificate())
                .pinCaSha256(TrustPolicy.sha256Fingerprint(clinicCa.caCertificate()))).build();
    }

    /** Runs s_client with {@code held}'s certificate and key, appending {@code extras} with -cert_chain. */
    private ExternalTool sClient(Peers.Server server, String protocol, HeldCertificate held,
            List<X509Certificate> extras) throws Exception {
        Files.writeString(dir.resolve("leaf.pem"), held.certificatePem());
        Files.writeString(dir.resolve("leaf.key"), held.privateKeyPem());
        StringBuilder pem = new StringBuilder();
        extras.forEach(c -> pem.append(HeldCertificate.pem(c)));
        Files.writeString(dir.resolve("extras.pem"), pem.toString());
        List<String> args = new ArrayList<>(List.of("s_client", "-connect", "127.0.0.1:" + server.port(), protocol,
                "-cert", "leaf.pem", "-key", "leaf.key", "-quiet"));
        if (!extras.isEmpty()) {
            args.addAll(List.of("-cert_chain", "extras.pem"));
        }
        return ExternalTool.openssl(dir, args.toArray(String[]::new));
    }

    private static void assertRejected(Peers.Server server, RejectionReason reason) throws InterruptedException {
        NodeAuthenticationFailedEvent failed = assertInstanceOf(NodeAuthenticationFailedEvent.class, server.nextEvent());
        assertEquals(NodeAuthenticationFailedEvent.Kind.PEER_REJECTED, failed.kind(), failed.message());
        assertEquals(Optional.of(reason), failed.rejection(), failed.message());
    }

    private static NodeIdentity assertAdmitted(Peers.Server server) throws InterruptedException {
        return assertInstanceOf(NodeAuthenticatedEvent.class, server.nextEvent()).identity();
    }

    @ParameterizedTest
    @ValueSource(strings = {"-tls1_3", "-tls1_2"})
    void aSiblingCaLeafIsNotPinnedWhateverItAppends(String protocol) throws Exception {
        Peers.Server server = gateway(pinnedToClinicCa(b -> b));
        HeldCertificate vendorLeaf = vendorCa.issue("vendor-node").clientAuth().build();
        try (ExternalTool c = sClient(server, protocol, vendorLeaf, List.of(vendorCa.caCertificate(),
                pki.caCertificate(), clinicCa.caCertificate()))) {
            assertRejected(server, RejectionReason.CA_NOT_PINNED);
        }
        try (ExternalTool c = sClient(server, protocol, vendorLeaf, List.of(clinicCa.caCertificate(),
                vendorCa.caCertificate()))) {
            assertRejected(server, RejectionReason.CA_NOT_PINNED);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"-tls1_3", "-tls1_2"})
    void theReportedChainIsTheValidatedPathNotWhatWasSent(String protocol) throws Exception {
        Peers.Server server = gateway(pinnedToClinicCa(b -> b));
        HeldCertificate clinic = clinicCa.issue("clinic-007").clientAuth().build();
        try (ExternalTool c = sClient(server, protocol, clinic, List.of(vendorCa.caCertificate(),
                pki.caCertificate(), clinicCa.caCertificate()))) {
            NodeIdentity seen = assertAdmitted(server);
            assertEquals(List.of(clinic.certificate(), clinicCa.caCertificate(), pki.caCertificate()), seen.chain());
        }
    }

    @Test
    void anAllowListSeesOnlyTheValidatedLeaf() throws Exception {
        Peers.Server server = gateway(TrustPolicy.builder().trustAnchors(pki.caCertificate())
                .allowPeers(PeerPattern.organizationalUnit("Clinics")).build());
        HeldCertificate vendorLeaf = vendorCa.issue("vendor-node").clientAuth().build();
        try (ExternalTool c = sClient(server, "-tls1_3", vendorLeaf, List.of(vendorCa.caCertificate(),
                clinicCa.issue(new X500Principal("CN=clinic-1, OU=Clinics, O=x, C=JP")).clientAuth().build()
                        .certificate()))) {
            assertRejected(server, RejectionReason.NOT_ALLOWED);
        }
    }

    @Test
    void aLeafForKeyAgreementOnlyIsRefused() throws Exception {
        Peers.Server server = gateway(trust);
        try (ExternalTool c = sClient(server, "-tls1_3", pki.issue("clinic-ka").clientAuth()
                .keyUsage(KeyUsage.keyAgreement).build(), List.of())) {
            assertRejected(server, RejectionReason.WRONG_KEY_USAGE);
        }
    }

    @Test
    void aDocumentSigningLeafIsRefused() throws Exception {
        Peers.Server server = gateway(trust);
        try (ExternalTool c = sClient(server, "-tls1_2", pki.issue("clinic-sign").clientAuth()
                .keyUsage(KeyUsage.nonRepudiation).build(), List.of())) {
            assertRejected(server, RejectionReason.WRONG_KEY_USAGE);
        }
    }

    @Test
    void aCaCertificatePresentedAsTheLeafIsRefused() throws Exception {
        Peers.Server server = gateway(trust);
        try (ExternalTool c = sClient(server, "-tls1_3", pki.issue("clinic-ca").clientAuth().caCertificate()
                .keyUsage(KeyUsage.digitalSignature | KeyUsage.keyCertSign).build(), List.of())) {
            assertRejected(server, RejectionReason.WRONG_KEY_USAGE);
        }
    }

    @Test
    void anyExtendedKeyUsageCountsOnlyWhenThePolicyAllowsIt() throws Exception {
        HeldCertificate any = pki.issue("clinic-any").anyExtendedKeyUsage().build();
        Peers.Server strict = gateway(trust);
        try (ExternalTool c = sClient(strict, "-tls1_3", any, List.of())) {
            assertRejected(strict, RejectionReason.WRONG_KEY_USAGE);
        }
        Peers.Server lenient = gateway(TrustPolicy.builder().trustAnchors(pki.caCertificate())
                .acceptAnyExtendedKeyUsage(true).build());
        try (ExternalTool c = sClient(lenient, "-tls1_3", any, List.of())) {
            assertEquals("clinic-any", assertAdmitted(lenient).nodeId());
        }
    }

    @Test
    void aLeafWithoutExtendedKeyUsageIsAcceptedUnlessThePolicyRequiresIt() throws Exception {
        HeldCertificate noEku = pki.issue("clinic-plain").build();
        Peers.Server byDefault = gateway(trust);
        try (ExternalTool c = sClient(byDefault, "-tls1_3", noEku, List.of())) {
            assertEquals("clinic-plain", assertAdmitted(byDefault).nodeId());
        }
        Peers.Server strict = gateway(TrustPolicy.builder().trustAnchors(pki.caCertificate())
                .requireExtendedKeyUsage(true).build());
        try (ExternalTool c = sClient(strict, "-tls1_3", noEku, List.of())) {
            assertRejected(strict, RejectionReason.WRONG_KEY_USAGE);
        }
    }

    @Test
    void aSubjectWithTwoCommonNamesIsRefused() throws Exception {
        Peers.Server server = gateway(TrustPolicy.builder().trustAnchors(pki.caCertificate())
                .allowPeers(PeerPattern.commonName("clinic-*")).build());
        try (ExternalTool c = sClient(server, "-tls1_3", pki.issue(
                new X500Principal("CN=clinic-7, CN=hospital-admin, O=x, C=JP")).clientAuth().build(), List.of())) {
            assertRejected(server, RejectionReason.AMBIGUOUS_NAME);
        }
        try (ExternalTool c = sClient(server, "-tls1_3", pki.issue(
                new X500Principal("CN=clinic-7+CN=hospital-admin, O=x, C=JP")).clientAuth().build(), List.of())) {
            assertRejected(server, RejectionReason.AMBIGUOUS_NAME);
        }
    }
}
