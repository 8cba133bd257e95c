package jp.securetoken.pkcs11;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import jp.securetoken.api.CredentialSource;
import jp.securetoken.api.CredentialUsage;
import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.TokenKey;
import jp.securetoken.testpki.TestPki;
import jp.securetoken.tls.NodeAuthenticatedEvent;
import jp.securetoken.tls.NodeAuthenticationFailedEvent;
import jp.securetoken.tls.NodeIdentity;
import jp.securetoken.tls.NodeTls;
import jp.securetoken.tls.NodeTlsContext;
import jp.securetoken.tls.TlsStack;
import jp.securetoken.tls.trust.TrustPolicy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Mutual TLS with tls-node-auth where both nodes' keys are in SoftHSM2: a gateway with an RSA key
 * (PSS through CKM_RSA_PKCS_PSS, so TLS 1.3) and a clinic with an EC P-256 key.
 */
class MutualTlsTest {
    private static final TestPki PKI = TestPki.create("Regional Network CA");
    private static final String ALIAS = "node";
    private static SecureToken gateway;
    private static SecureToken clinic;
    private static EventLoopGroup group;

    @BeforeAll
    static void issue() throws Exception {
        gateway = SoftHsm.open("gateway");
        clinic = SoftHsm.open("clinic");
        for (SecureToken t : new SecureToken[] {gateway, clinic}) {
            t.login(SoftHsm.userPin());
        }
        issue(gateway, "gateway", KeyAlgorithm.RSA_2048);
        issue(clinic, "clinic-001", KeyAlgorithm.EC_P256);
        group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    }

    private static TokenKey issue(SecureToken token, String cn, KeyAlgorithm algorithm) throws Exception {
        TokenKey key = token.lifecycle().generateKeyPair(ALIAS, algorithm);
        token.lifecycle().writeCredential(ALIAS, PKI.issue(cn).serverAuth().clientAuth().certifyChain(key.publicKey()),
                CredentialUsage.NODE_AUTHENTICATION);
        return key;
    }

    @AfterAll
    static void close() {
        group.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        gateway.close();
        clinic.close();
    }

    private static TrustPolicy trustRegionalCa() {
        return TrustPolicy.builder().trustAnchors(PKI.caCertificate()).build();
    }

    /** Starts a server, connects a client and returns what each side saw of the other. */
    private static NodeIdentity[] handshake(TlsStack stack) throws Exception {
        BlockingQueue<Object> serverEvents = new LinkedBlockingQueue<>();
        BlockingQueue<Object> clientEvents = new LinkedBlockingQueue<>();
        BlockingQueue<String> echoed = new LinkedBlockingQueue<>();
        try (NodeTlsContext server = NodeTls.server(CredentialSource.of(gateway, ALIAS)).trustPolicy(trustRegionalCa())
                .stack(stack).build();
                NodeTlsContext client = NodeTls.client(CredentialSource.of(clinic, ALIAS))
                        .trustPolicy(trustRegionalCa()).stack(stack).build()) {
            Channel listening = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel c) {
                            server.addTo(c);
                            c.pipeline().addLast(new Echo(serverEvents, null));
                        }
                    }).bind("127.0.0.1", 0).sync().channel();
            int port = ((InetSocketAddress) listening.localAddress()).getPort();
            Channel connection = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel c) {
                            client.addTo(c, "127.0.0.1", port);
                            c.pipeline().addLast(new Echo(clientEvents, echoed));
                        }
                    }).connect("127.0.0.1", port).sync().channel();
            try {
                NodeIdentity gatewaySeen = authenticated(clientEvents.poll(30, TimeUnit.SECONDS));
                NodeIdentity clinicSeen = authenticated(serverEvents.poll(30, TimeUnit.SECONDS));
                connection.writeAndFlush(Unpooled.copiedBuffer("hello", StandardCharsets.UTF_8));
                assertEquals("hello", echoed.poll(30, TimeUnit.SECONDS));
                return new NodeIdentity[] {gatewaySeen, clinicSeen};
            } finally {
                connection.close().sync();
                listening.close().sync();
            }
        }
    }

    private static NodeIdentity authenticated(Object event) {
        return assertInstanceOf(NodeAuthenticatedEvent.class, event, "handshake outcome: " + event).identity();
    }

    /** Echoes on the server, collects echoes on the client, and records authentication events. */
    private static final class Echo extends SimpleChannelInboundHandler<ByteBuf> {
        private final BlockingQueue<Object> events;
        private final BlockingQueue<String> received;

        Echo(BlockingQueue<Object> events, BlockingQueue<String> received) {
            this.events = events;
            this.received = received;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
            if (received == null) {
                ctx.writeAndFlush(msg.retain());
            } else {
                received.add(msg.toString(StandardCharsets.UTF_8));
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof NodeAuthenticatedEvent || evt instanceof NodeAuthenticationFailedEvent) {
                events.add(evt);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    @ParameterizedTest
    @EnumSource(TlsStack.class)
    void nodesWithKeysInPkcs11TokensAuthenticateEachOtherOverTls13(TlsStack stack) throws Exception {
        NodeIdentity[] seen = handshake(stack);
        assertEquals("gateway", seen[0].nodeId());
        assertEquals("clinic-001", seen[1].nodeId());
        assertEquals("TLSv1.3", seen[0].protocol());
    }

    @Test
    void aRotatedCredentialIsPresentedAtTheNextHandshake() throws Exception {
        TokenKey renewed = issue(clinic, "clinic-001", KeyAlgorithm.EC_P384);
        NodeIdentity[] seen = handshake(TlsStack.JDK);
        assertEquals(renewed.publicKey(), seen[1].certificate().getPublicKey());
    }
}
