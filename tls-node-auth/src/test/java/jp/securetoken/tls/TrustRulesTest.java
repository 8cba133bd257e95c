package jp.securetoken.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.nio.file.Files;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.security.auth.x500.X500Principal;
import jp.securetoken.api.CredentialSource;
import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.SecureToken;
import jp.securetoken.testpki.HeldCertificate;
import jp.securetoken.testpki.TestPki;
import jp.securetoken.tls.trust.RejectionReason;
import jp.securetoken.tls.trust.Revocation;
import jp.securetoken.tls.trust.TrustPolicy;
import org.junit.jupiter.api.Test;
import jp.securetoken.testsupport.ExternalTool;

/** Host names, revocation without any source and anchor name constraints, through real handshakes. */
class TrustRulesTest extends LoopbackNodesTest {

    private ExternalTool opensslServer(HeldCertificate held, int port) throws Exception {
        Files.writeString(dir.resolve("server.pem"), held.certificatePem());
        Files.writeString(dir.resolve("server.key"), held.privateKeyPem());
        Files.writeString(dir.resolve("ca.pem"), pki.ca().certificatePem());
        ExternalTool server = ExternalTool.openssl(dir, "s_server", "-accept", "127.0.0.1:" + port, "-cert",
                "server.pem", "-key", "server.key", "-CAfile", "ca.pem", "-verify", "2", "-rev");
        server.awaitOutput("ACCEPT");
        return server;
    }

    private NodeTlsContext clinic(TrustPolicy policy) throws Exception {
        SecureToken token = nodes.node("clinic-001", KeyAlgorithm.EC_P256, pki, i -> i.clientAuth());
        return nodes.track(NodeTls.client(CredentialSource.of(token, TestNodes.ALIAS)).trustPolicy(policy).build());
    }

    /** Connects with {@code setup} adding our handlers in the ChannelInitializer; the handshake outcome. */
    private Object connect(int port, Consumer<SocketChannel> setup) throws Exception {
        CompletableFuture<Object> outcome = new CompletableFuture<>();
        ChannelFuture f = new Bootstrap().group(peers.group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        setup.accept(ch);
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                                if (evt instanceof NodeAuthenticatedEvent || evt instanceof NodeAuthenticationFailedEvent) {
                                    outcome.complete(evt);
                                }
                            }

                            @Override
                            public void channelInactive(ChannelHandlerContext ctx) {
                                outcome.complete("closed");
                            }
                        });
                    }

                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        outcome.complete(cause);
                        ctx.close();
                    }
                }).connect("127.0.0.1", port).awaitUninterruptibly();
        Channel ch = f.channel();
        try {
            return outcome.get(20, TimeUnit.SECONDS);
        } finally {
            ch.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void aHostnameCheckingClientAddedFromAChannelInitializerWithoutItsHostNeverConnectsUnchecked() throws Exception {
        int port = ExternalTool.freePort();
        try (ExternalTool server = opensslServer(pki.issue("impostor").serverAuth().dnsName("evil.example.jp")
                .build(), port)) {
            NodeTlsContext checking = clinic(TrustPolicy.builder().trustAnchors(pki.caCertificate())
                    .checkHostname(true).build());
            Object outcome = connect(port, checking::addTo);
            assertTrue(!(outcome instanceof NodeAuthenticatedEvent), "authenticated without a host check: " + outcome);
            NodeAuthenticationFailedEvent mismatch = assertInstanceOf(NodeAuthenticationFailedEvent.class,
                    connect(port, ch -> checking.addTo(ch, "gw.region.example.jp", port)));
            assertEquals(Optional.of(RejectionReason.HOSTNAME_MISMATCH), mismatch.rejection(), mismatch.message());
        }
    }

    @Test
    void aServerNamingTheHostPassesTheCheck() throws Exception {
        int port = ExternalTool.freePort();
        try (ExternalTool server = opensslServer(pki.issue("gateway").serverAuth().dnsName("gw.region.example.jp")
                .build(), port)) {
            NodeTlsContext checking = clinic(TrustPolicy.builder().trustAnchors(pki.caCertificate())
                    .checkHostname(true).build());
            assertInstanceOf(NodeAuthenticatedEvent.class, connect(port, ch -> checking.addTo(ch,
                    "gw.region.example.jp", port)));
        }
    }

    @Test
    void theJsseTrustManagerWithoutAnEngineRefusesWhenHostnamesAreChecked() {
        TrustPolicy policy = TrustPolicy.builder().trustAnchors(pki.caCertificate()).checkHostname(true).build();
        var tm = new jp.securetoken.tls.trust.NodeTrustManager(policy,
                jp.securetoken.tls.trust.NodeTrustManager.PeerRole.SERVER);
        HeldCertificate gw = pki.issue("gateway").serverAuth().dnsName("gw.region.example.jp").build();
        var e = assertThrows(jp.securetoken.tls.trust.PeerRejectedException.class,
                () -> tm.checkServerTrusted(gw.chain().toArray(new java.security.cert.X509Certificate[0]), "ECDHE"));
        assertEquals(RejectionReason.HOSTNAME_MISMATCH, e.reason());
    }

    private Peers.Server gateway(TrustPolicy policy) throws Exception {
        SecureToken gateway = nodes.node("gateway", KeyAlgorithm.EC_P256, pki, i -> i.serverAuth().clientAuth());
        return peers.echoServer(nodes.track(NodeTls.server(CredentialSource.of(gateway, TestNodes.ALIAS))
                .trustPolicy(policy).build()));
    }

    private ExternalTool sClient(Peers.Server server, HeldCertificate held) throws Exception {
        Files.writeString(dir.resolve("client.pem"), held.certificatePem());
        Files.writeString(dir.resolve("client.key"), held.privateKeyPem());
        return ExternalTool.openssl(dir, "s_client", "-connect", "127.0.0.1:" + server.port(), "-cert", "client.pem",
                "-key", "client.key", "-quiet");
    }

    @Test
    void withNoRevocationSourceAtAllSoftFailAdmitsAndHardFailSaysRevocationUnknown() throws Exception {
        HeldCertificate clinic = pki.issue("clinic-001").clientAuth().build();
        Peers.Server soft = gateway(TrustPolicy.builder().trustAnchors(pki.caCertificate())
                .revocation(Revocation.softFail()).build());
        try (ExternalTool c = sClient(soft, clinic)) {
            NodeAuthenticatedEvent ok = assertInstanceOf(NodeAuthenticatedEvent.class, soft.nextEvent(),
                    "soft-fail admits a peer whose status nobody can tell");
            assertEquals("clinic-001", ok.identity().nodeId());
        }
        Peers.Server hard = gateway(TrustPolicy.builder().trustAnchors(pki.caCertificate())
                .revocation(Revocation.hardFail()).build());
        try (ExternalTool c = sClient(hard, clinic)) {
            NodeAuthenticationFailedEvent failed = assertInstanceOf(NodeAuthenticationFailedEvent.class,
                    hard.nextEvent());
            assertEquals(Optional.of(RejectionReason.REVOCATION_UNKNOWN), failed.rejection(), failed.message());
        }
    }

    @Test
    void anAnchorsOwnNameConstraintsApplyUnlessThePolicySaysOtherwise() throws Exception {
        TestPki regionA = TestPki.createConstrained("Region A Root", "O=Region A, C=JP");
        HeldCertificate inside = regionA.issue(new X500Principal("CN=clinic-a1, O=Region A, C=JP")).clientAuth()
                .build();
        HeldCertificate outside = regionA.issue(new X500Principal("CN=clinic-b1, O=Region B, C=JP")).clientAuth()
                .build();
        Peers.Server server = gateway(TrustPolicy.builder().trustAnchors(regionA.caCertificate()).build());
        try (ExternalTool c = sClient(server, inside)) {
            Object seen = server.nextEvent();
            assertInstanceOf(NodeAuthenticatedEvent.class, seen, seen::toString);
        }
        try (ExternalTool c = sClient(server, outside)) {
            NodeAuthenticationFailedEvent failed = assertInstanceOf(NodeAuthenticationFailedEvent.class,
                    server.nextEvent());
            assertEquals(Optional.of(RejectionReason.NAME_CONSTRAINED), failed.rejection(), failed.message());
        }
        Peers.Server ignoring = gateway(TrustPolicy.builder().trustAnchors(regionA.caCertificate())
                .applyAnchorNameConstraints(false).build());
        try (ExternalTool c = sClient(ignoring, outside)) {
            assertInstanceOf(NodeAuthenticatedEvent.class, ignoring.nextEvent());
        }
    }
}
