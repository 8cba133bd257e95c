package jp.securetoken.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.security.cert.X509Certificate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import jp.securetoken.api.CredentialSource;
import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.SecureToken;
import jp.securetoken.testpki.HeldCertificate;
import jp.securetoken.testpki.TestPki;
import jp.securetoken.tls.trust.RejectionReason;
import jp.securetoken.tls.trust.Revocation;
import jp.securetoken.tls.trust.TrustPolicy;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import jp.securetoken.testsupport.ExternalTool;

/**
 * Our nodes, on the JDK and the native stack, against Debian's {@code openssl s_server}, {@code s_client}
 * and {@code ocsp} on loopback.
 */
class OpenSslInteropTest extends LoopbackNodesTest {
    @BeforeEach
    void writeCaFiles() throws Exception {
        Files.writeString(dir.resolve("ca.pem"), pki.ca().certificatePem());
        Files.writeString(dir.resolve("ca.key"), pki.ca().privateKeyPem());
    }

    private void writeHeld(String name, HeldCertificate held) throws Exception {
        Files.writeString(dir.resolve(name + ".pem"), held.certificatePem());
        Files.writeString(dir.resolve(name + ".key"), held.privateKeyPem());
    }

    private Peers.Server ourGateway(TlsStack stack, TrustPolicy policy) throws Exception {
        SecureToken gateway = nodes.node("gateway", KeyAlgorithm.EC_P256, pki, i -> i.serverAuth().clientAuth());
        return peers.echoServer(nodes.track(NodeTls.server(CredentialSource.of(gateway, TestNodes.ALIAS))
                .trustPolicy(policy).stack(stack).build()));
    }

    @ParameterizedTest
    @EnumSource(value = TlsStack.class, names = {"JDK", "OPENSSL"})
    void ourTokenClientAuthenticatesToOpensslServerThatVerifiesIt(TlsStack stack) throws Exception {
        writeHeld("server", pki.issue("openssl-gateway").serverAuth().build());
        int port = ExternalTool.freePort();
        try (ExternalTool server = ExternalTool.openssl(dir, "s_server", "-accept", "127.0.0.1:" + port,
                "-cert", "server.pem", "-key", "server.key", "-CAfile", "ca.pem", "-Verify", "2",
                "-verify_return_error", "-naccept", "1", "-rev")) {
            server.awaitOutput("ACCEPT");
            SecureToken clinic = nodes.node("clinic-001", KeyAlgorithm.EC_P256, pki, i -> i.clientAuth());
            Peers.Client client = peers.connect(nodes.track(NodeTls.client(CredentialSource.of(clinic, TestNodes.ALIAS))
                    .trustPolicy(trust).stack(stack).build()), port);

            NodeIdentity gateway = client.awaitAuthenticated();
            assertEquals("openssl-gateway", gateway.nodeId());
            assertEquals("TLSv1.3", gateway.protocol());
            assertTrue(client.echo("ping\n").contains("gnip"), "s_server -rev answers reversed");
            server.awaitOutput("clinic-001");
        }
    }

    @ParameterizedTest
    @EnumSource(value = TlsStack.class, names = {"JDK", "OPENSSL"})
    void opensslClientWithCertificateAuthenticatesToOurServer(TlsStack stack) throws Exception {
        Peers.Server server = ourGateway(stack, trust);
        writeHeld("client", pki.issue("clinic-openssl").clientAuth().build());
        try (ExternalTool client = ExternalTool.openssl(dir, "s_client", "-connect", "127.0.0.1:" + server.port(),
                "-cert", "client.pem", "-key", "client.key", "-CAfile", "ca.pem", "-verify_return_error", "-quiet")) {
            NodeAuthenticatedEvent seen = assertInstanceOf(NodeAuthenticatedEvent.class, server.nextEvent());
            assertEquals("clinic-openssl", seen.identity().nodeId());
            client.send("hello from openssl\n");
            client.awaitOutput("hello from openssl");
        }
    }

    @ParameterizedTest
    @EnumSource(value = TlsStack.class, names = {"JDK", "OPENSSL"})
    void opensslClientOfferingOnlyTls11IsRefused(TlsStack stack) throws Exception {
        Peers.Server server = ourGateway(stack, trust);
        writeHeld("client", pki.issue("clinic-openssl").clientAuth().build());
        try (ExternalTool client = ExternalTool.openssl(dir, "s_client", "-connect", "127.0.0.1:" + server.port(),
                "-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0", "-cert", "client.pem", "-key", "client.key")) {
            NodeAuthenticationFailedEvent failed = assertInstanceOf(NodeAuthenticationFailedEvent.class,
                    server.nextEvent());
            assertEquals(NodeAuthenticationFailedEvent.Kind.PROTOCOL_MISMATCH, failed.kind(), failed.message());
            assertNotEquals(0, client.awaitExit());
        }
    }

    @ParameterizedTest
    @CsvSource({"JDK, AES128-GCM-SHA256", "JDK, AES128-SHA256", "JDK, ECDHE-ECDSA-AES128-SHA256",
            "JDK, ECDHE-RSA-AES256-SHA", "OPENSSL, AES128-GCM-SHA256", "OPENSSL, AES128-SHA256",
            "OPENSSL, ECDHE-ECDSA-AES128-SHA256", "OPENSSL, ECDHE-RSA-AES256-SHA"})
    void opensslClientOfferingOnlyASuiteWithoutForwardSecrecyOrAeadIsRefused(TlsStack stack, String suite)
            throws Exception {
        Peers.Server server = ourGateway(stack, trust);
        writeHeld("client", pki.issue("clinic-openssl").clientAuth().build());
        try (ExternalTool client = ExternalTool.openssl(dir, "s_client", "-connect", "127.0.0.1:" + server.port(),
                "-tls1_2", "-cipher", suite, "-cert", "client.pem", "-key", "client.key")) {
            NodeAuthenticationFailedEvent failed = assertInstanceOf(NodeAuthenticationFailedEvent.class,
                    server.nextEvent());
            assertEquals(NodeAuthenticationFailedEvent.Kind.PROTOCOL_MISMATCH, failed.kind(), failed.message());
            assertNotEquals(0, client.awaitExit());
        }
    }

    @ParameterizedTest
    @EnumSource(value = TlsStack.class, names = {"JDK", "OPENSSL"})
    void opensslClientWithoutCertificateIsRefused(TlsStack stack) throws Exception {
        Peers.Server server = ourGateway(stack, trust);
        try (ExternalTool client = ExternalTool.openssl(dir, "s_client", "-connect", "127.0.0.1:" + server.port(),
                "-CAfile", "ca.pem", "-quiet")) {
            client.send("anyone?\n");
            assertRejected(server, RejectionReason.NO_CERTIFICATE);
        }
    }

    @ParameterizedTest
    @EnumSource(value = TlsStack.class, names = {"JDK", "OPENSSL"})
    void opensslClientFromAnUnknownCaIsRefused(TlsStack stack) throws Exception {
        Peers.Server server = ourGateway(stack, trust);
        writeHeld("client", TestPki.create("Unknown CA").issue("clinic-x").clientAuth().build());
        try (ExternalTool client = ExternalTool.openssl(dir, "s_client", "-connect", "127.0.0.1:" + server.port(),
                "-cert", "client.pem", "-key", "client.key", "-quiet")) {
            assertRejected(server, RejectionReason.UNKNOWN_CA);
        }
    }

    @ParameterizedTest
    @EnumSource(value = TlsStack.class, names = {"JDK", "OPENSSL"})
    void opensslClientWithAnExpiredCertificateIsRefused(TlsStack stack) throws Exception {
        Peers.Server server = ourGateway(stack, trust);
        writeHeld("client", pki.issue("clinic-old").clientAuth().expired().build());
        try (ExternalTool client = ExternalTool.openssl(dir, "s_client", "-connect", "127.0.0.1:" + server.port(),
                "-cert", "client.pem", "-key", "client.key", "-quiet")) {
            assertRejected(server, RejectionReason.EXPIRED);
        }
    }

    @ParameterizedTest
    @EnumSource(value = TlsStack.class, names = {"JDK", "OPENSSL"})
    void opensslClientWhoseCertificateOcspSaysRevokedIsRefused(TlsStack stack) throws Exception {
        HeldCertificate revoked = pki.issue("clinic-revoked").clientAuth().build();
        HeldCertificate good = pki.issue("clinic-good").clientAuth().build();
        writeOcspIndex(revoked.certificate(), good.certificate());
        int ocspPort = ExternalTool.freePort();
        try (ExternalTool responder = ExternalTool.openssl(dir, "ocsp", "-index", "index.txt", "-port",
                String.valueOf(ocspPort), "-rsigner", "ca.pem", "-rkey", "ca.key", "-CA", "ca.pem", "-nrequest", "2")) {
            responder.awaitOutput("waiting for OCSP client connections");
            TrustPolicy checked = TrustPolicy.builder().trustAnchors(pki.caCertificate())
                    .revocation(Revocation.hardFail().withOcspResponder(URI.create("http://127.0.0.1:" + ocspPort)))
                    .build();
            Peers.Server server = ourGateway(stack, checked);

            writeHeld("revoked", revoked);
            try (ExternalTool client = ExternalTool.openssl(dir, "s_client", "-connect",
                    "127.0.0.1:" + server.port(), "-cert", "revoked.pem", "-key", "revoked.key", "-quiet")) {
                assertRejected(server, RejectionReason.REVOKED);
            }
            writeHeld("good", good);
            try (ExternalTool client = ExternalTool.openssl(dir, "s_client", "-connect",
                    "127.0.0.1:" + server.port(), "-cert", "good.pem", "-key", "good.key", "-quiet")) {
                assertEquals("clinic-good",
                        assertInstanceOf(NodeAuthenticatedEvent.class, server.nextEvent()).identity().nodeId());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = TlsStack.class, names = {"JDK", "OPENSSL"})
    void anUnreachableResponderRefusesUnderHardFailAndAdmitsUnderSoftFail(TlsStack stack) throws Exception {
        HeldCertificate clinic = pki.issue("clinic-001").clientAuth().build();
        writeHeld("client", clinic);
        URI nobody = URI.create("http://127.0.0.1:" + ExternalTool.freePort());
        Peers.Server hard = ourGateway(stack, TrustPolicy.builder().trustAnchors(pki.caCertificate())
                .revocation(Revocation.hardFail().withOcspResponder(nobody)).build());
        try (ExternalTool client = ExternalTool.openssl(dir, "s_client", "-connect", "127.0.0.1:" + hard.port(),
                "-cert", "client.pem", "-key", "client.key", "-quiet")) {
            assertRejected(hard, RejectionReason.REVOCATION_UNKNOWN);
        }
        Peers.Server soft = ourGateway(stack, TrustPolicy.builder().trustAnchors(pki.caCertificate())
                .revocation(Revocation.softFail().withOcspResponder(nobody)).build());
        try (ExternalTool client = ExternalTool.openssl(dir, "s_client", "-connect", "127.0.0.1:" + soft.port(),
                "-cert", "client.pem", "-key", "client.key", "-quiet")) {
            assertInstanceOf(NodeAuthenticatedEvent.class, soft.nextEvent());
        }
    }

    /** An {@code openssl ca}-style index: the first certificate revoked, the second valid. */
    private void writeOcspIndex(X509Certificate revoked, X509Certificate valid) throws Exception {
        DateTimeFormatter f = DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").withZone(ZoneOffset.UTC);
        String revokedLine = "R\t" + f.format(revoked.getNotAfter().toInstant()) + "\t"
                + f.format(java.time.Instant.now().minusSeconds(3600)) + ",keyCompromise\t" + serial(revoked)
                + "\tunknown\t/CN=clinic-revoked\n";
        String validLine = "V\t" + f.format(valid.getNotAfter().toInstant()) + "\t\t" + serial(valid)
                + "\tunknown\t/CN=clinic-good\n";
        Files.writeString(dir.resolve("index.txt"), revokedLine + validLine);
    }

    private static String serial(X509Certificate c) {
        String hex = c.getSerialNumber().toString(16).toUpperCase();
        return hex.length() % 2 == 0 ? hex : "0" + hex;
    }

    private static void assertRejected(Peers.Server server, RejectionReason reason) throws InterruptedException {
        NodeAuthenticationFailedEvent failed = assertInstanceOf(NodeAuthenticationFailedEvent.class, server.nextEvent());
        assertEquals(NodeAuthenticationFailedEvent.Kind.PEER_REJECTED, failed.kind(), failed.message());
        assertEquals(Optional.of(reason), failed.rejection(), failed.message());
    }

}
