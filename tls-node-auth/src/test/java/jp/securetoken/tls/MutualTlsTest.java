package jp.securetoken.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import jp.securetoken.api.CredentialSource;
import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.SecureToken;
import jp.securetoken.testpki.TestPki;
import jp.securetoken.testsupport.InstrumentedKey;
import jp.securetoken.tls.trust.PeerPattern;
import jp.securetoken.tls.trust.RejectionReason;
import jp.securetoken.tls.trust.TrustPolicy;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class MutualTlsTest extends LoopbackNodesTest {

    private NodeTlsContext gateway(TlsStack stack, TrustPolicy policy) throws Exception {
        SecureToken token = nodes.node("gateway", KeyAlgorithm.EC_P256, pki, i -> i.serverAuth().clientAuth());
        return nodes.track(NodeTls.server(CredentialSource.of(token, TestNodes.ALIAS)).trustPolicy(policy)
                .stack(stack).build());
    }

    private NodeTlsContext clinic(TlsStack stack, TestPki issuer, KeyAlgorithm algorithm,
            java.util.function.Consumer<TestPki.Issue> cert) throws Exception {
        SecureToken token = nodes.node("clinic-001", algorithm, issuer, cert);
        return nodes.track(NodeTls.client(CredentialSource.of(token, TestNodes.ALIAS)).trustPolicy(trust)
                .stack(stack).build());
    }

    @ParameterizedTest
    @EnumSource(TlsStack.class)
    void tokenKeysOnBothSidesAuthenticateEachOtherOverTls13(TlsStack stack) throws Exception {
        Peers.Server server = peers.echoServer(gateway(stack, trust));
        Peers.Client client = peers.connect(clinic(stack, pki, KeyAlgorithm.EC_P256, i -> i.clientAuth()), server.port());

        NodeIdentity gatewaySeen = client.awaitAuthenticated();
        NodeAuthenticatedEvent clinicSeen = assertInstanceOf(NodeAuthenticatedEvent.class, server.nextEvent());

        assertEquals("gateway", gatewaySeen.nodeId());
        assertEquals("clinic-001", clinicSeen.identity().nodeId());
        assertEquals("TLSv1.3", gatewaySeen.protocol());
        assertEquals("hello", client.echo("hello"));
        assertEquals(gatewaySeen, client.channel.attr(NodeTls.PEER).get());
    }

    @ParameterizedTest
    @EnumSource(TlsStack.class)
    void rsaKeysAuthenticateToo(TlsStack stack) throws Exception {
        Peers.Server server = peers.echoServer(gateway(stack, trust));
        Peers.Client client = peers.connect(clinic(stack, pki, KeyAlgorithm.RSA_2048, i -> i.clientAuth()), server.port());
        client.awaitAuthenticated();
        assertInstanceOf(NodeAuthenticatedEvent.class, server.nextEvent());
    }

    @ParameterizedTest
    @EnumSource(TlsStack.class)
    void aClientFromAnUnknownCaIsRejectedWithThatReason(TlsStack stack) throws Exception {
        TestPki stranger = TestPki.create("Somebody Else's CA");
        Peers.Server server = peers.echoServer(gateway(stack, trust));
        Peers.Client client = peers.connect(clinic(stack, stranger, KeyAlgorithm.EC_P256, i -> i.clientAuth()),
                server.port());

        assertRejected(server, RejectionReason.UNKNOWN_CA);
        await().atMost(Duration.ofSeconds(10)).until(() -> !client.channel.isActive());
    }

    @ParameterizedTest
    @EnumSource(TlsStack.class)
    void anExpiredClientCertificateIsRejectedAsExpired(TlsStack stack) throws Exception {
        Peers.Server server = peers.echoServer(gateway(stack, trust));
        peers.connect(clinic(stack, pki, KeyAlgorithm.EC_P256, i -> i.clientAuth().expired()), server.port());
        assertRejected(server, RejectionReason.EXPIRED);
    }

    @ParameterizedTest
    @EnumSource(TlsStack.class)
    void aCertificateWithoutClientAuthUsageIsRejected(TlsStack stack) throws Exception {
        Peers.Server server = peers.echoServer(gateway(stack, trust));
        peers.connect(clinic(stack, pki, KeyAlgorithm.EC_P256, i -> i.serverAuth()), server.port());
        assertRejected(server, RejectionReason.WRONG_KEY_USAGE);
    }

    @ParameterizedTest
    @EnumSource(TlsStack.class)
    void aClinicNotOnTheAllowListIsRejected(TlsStack stack) throws Exception {
        TrustPolicy onlyClinic2 = TrustPolicy.builder().trustAnchors(pki.caCertificate())
                .allowPeers(PeerPattern.commonName("clinic-002"), PeerPattern.commonName("hospital-*")).build();
        Peers.Server server = peers.echoServer(gateway(stack, onlyClinic2));
        peers.connect(clinic(stack, pki, KeyAlgorithm.EC_P256, i -> i.clientAuth()), server.port());
        NodeAuthenticationFailedEvent failed = assertRejected(server, RejectionReason.NOT_ALLOWED);
        assertTrue(failed.message().contains("clinic-001"), failed.message());
    }

    @ParameterizedTest
    @EnumSource(TlsStack.class)
    void aClinicMatchingTheAllowListIsAdmitted(TlsStack stack) throws Exception {
        TrustPolicy clinics = TrustPolicy.builder().trustAnchors(pki.caCertificate())
                .allowPeers(PeerPattern.commonName("clinic-*")).build();
        Peers.Server server = peers.echoServer(gateway(stack, clinics));
        peers.connect(clinic(stack, pki, KeyAlgorithm.EC_P256, i -> i.clientAuth()), server.port());
        assertInstanceOf(NodeAuthenticatedEvent.class, server.nextEvent());
    }

    @ParameterizedTest
    @EnumSource(TlsStack.class)
    void aChainThroughAnUnpinnedCaIsRejected(TlsStack stack) throws Exception {
        TrustPolicy pinned = TrustPolicy.builder().trustAnchors(pki.caCertificate())
                .pinCaSha256(TrustPolicy.sha256Fingerprint(TestPki.create("Other").caCertificate())).build();
        Peers.Server server = peers.echoServer(gateway(stack, pinned));
        peers.connect(clinic(stack, pki, KeyAlgorithm.EC_P256, i -> i.clientAuth()), server.port());
        assertRejected(server, RejectionReason.CA_NOT_PINNED);
    }

    @ParameterizedTest
    @EnumSource(TlsStack.class)
    void aChainThroughThePinnedCaIsAdmitted(TlsStack stack) throws Exception {
        TrustPolicy pinned = TrustPolicy.builder().trustAnchors(pki.caCertificate())
                .pinCaSha256(TrustPolicy.sha256Fingerprint(pki.caCertificate())).build();
        Peers.Server server = peers.echoServer(gateway(stack, pinned));
        peers.connect(clinic(stack, pki, KeyAlgorithm.EC_P256, i -> i.clientAuth()), server.port());
        assertInstanceOf(NodeAuthenticatedEvent.class, server.nextEvent());
    }

    @ParameterizedTest
    @EnumSource(TlsStack.class)
    void aClientWithoutCertificateIsRejected(TlsStack stack) throws Exception {
        Peers.Server server = peers.echoServer(gateway(stack, trust));
        var plain = io.netty.handler.ssl.SslContextBuilder.forClient()
                .trustManager(io.netty.handler.ssl.util.InsecureTrustManagerFactory.INSTANCE)
                .protocols("TLSv1.3", "TLSv1.2").build();
        io.netty.channel.Channel ch = new io.netty.bootstrap.Bootstrap().group(peers.group)
                .channel(io.netty.channel.socket.nio.NioSocketChannel.class)
                .handler(new io.netty.channel.ChannelInitializer<io.netty.channel.socket.SocketChannel>() {
                    @Override
                    protected void initChannel(io.netty.channel.socket.SocketChannel c) {
                        c.pipeline().addLast(plain.newHandler(c.alloc(), "127.0.0.1", server.port()));
                    }
                }).connect("127.0.0.1", server.port()).sync().channel();
        try {
            assertRejected(server, RejectionReason.NO_CERTIFICATE);
        } finally {
            ch.close().sync();
        }
    }

    @ParameterizedTest
    @EnumSource(TlsStack.class)
    void aPkcs1OnlyTokenIsLimitedToTls12AndStillAuthenticates(TlsStack stack) throws Exception {
        SecureToken card = nodes.node("clinic-card", KeyAlgorithm.RSA_2048, pki, i -> i.clientAuth());
        InstrumentedKey pkcs1Only = InstrumentedKey.pkcs1Only(card.credential(TestNodes.ALIAS).key());
        NodeTlsContext client = nodes.track(NodeTls.client(pkcs1Only.source(card.credential(TestNodes.ALIAS)))
                .trustPolicy(trust).stack(stack).build());

        assertEquals(List.of("TLSv1.2"), client.protocols());
        assertTrue(client.restriction().orElseThrow().contains("RFC 8446"), client.restriction().toString());

        Peers.Server server = peers.echoServer(gateway(stack, trust));
        NodeIdentity gatewaySeen = peers.connect(client, server.port()).awaitAuthenticated();
        assertEquals("TLSv1.2", gatewaySeen.protocol());
        assertInstanceOf(NodeAuthenticatedEvent.class, server.nextEvent());
        assertTrue(pkcs1Only.signatures() >= 1, "the card signed the CertificateVerify");
    }

    @ParameterizedTest
    @EnumSource(TlsStack.class)
    void aTokenWithPssOrEcdsaGetsTls13(TlsStack stack) throws Exception {
        assertEquals(List.of("TLSv1.3", "TLSv1.2"),
                clinic(stack, pki, KeyAlgorithm.RSA_2048, i -> i.clientAuth()).protocols());
        assertEquals(Optional.empty(), clinic(stack, pki, KeyAlgorithm.EC_P256, i -> i.clientAuth()).restriction());
    }

    private static NodeAuthenticationFailedEvent assertRejected(Peers.Server server, RejectionReason reason)
            throws InterruptedException {
        NodeAuthenticationFailedEvent failed = assertInstanceOf(NodeAuthenticationFailedEvent.class, server.nextEvent());
        assertEquals(NodeAuthenticationFailedEvent.Kind.PEER_REJECTED, failed.kind(), failed.message());
        assertEquals(Optional.of(reason), failed.rejection(), failed.message());
        return failed;
    }
}
