package jp.securetoken.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import jp.securetoken.api.CredentialSource;
import jp.securetoken.api.CredentialUsage;
import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.PinCallback;
import jp.securetoken.api.SecureToken;
import jp.securetoken.soft.SoftTokenSettings;
import jp.securetoken.soft.SoftTokens;
import jp.securetoken.tls.NodeAuthenticatedEvent;
import jp.securetoken.tls.NodeAuthenticationFailedEvent;
import jp.securetoken.tls.NodeTls;
import jp.securetoken.tls.NodeTlsContext;
import jp.securetoken.tls.trust.TrustPolicy;

/**
 * Mutual TLS through tls-node-auth where the client node's key is held by the remote signing
 * service: the CertificateVerify signature travels to the service (OAuth session, SAD, signHash),
 * off the event loop, within the handshake timeout; a resumed session costs no remote signature.
 * (tls-node-auth is a test dependency here only: token modules never depend on it.)
 */
class RemoteKeyMutualTlsTest {
    @TempDir
    Path dir;
    RemoteService service;
    SecureToken gatewayToken;
    CscToken remote;
    EventLoopGroup group;
    NodeTlsContext gateway;
    NodeTlsContext clinic;

    @BeforeEach
    void start() throws Exception {
        service = new RemoteService(dir);
        Path file = dir.resolve("gateway.stk");
        try (PinCallback.Fixed pin = PinCallback.fixed("gateway-pin".toCharArray());
                PinCallback.Fixed admin = PinCallback.fixed("gateway-admin".toCharArray())) {
            SoftTokens.create(file, SoftTokenSettings.builder("gateway").userPin(pin).administratorPin(admin)
                    .kdfIterations(SoftTokenSettings.MIN_KDF_ITERATIONS).build());
            gatewayToken = SoftTokens.open(file);
            gatewayToken.login(pin);
        }
        gatewayToken.lifecycle().enroll("node", KeyAlgorithm.EC_P256, CredentialUsage.NODE_AUTHENTICATION,
                key -> service.signingCa.issue("gateway").serverAuth().clientAuth().certifyChain(key));
        Path anchors = java.nio.file.Files.writeString(dir.resolve("service-ca.pem"),
                jp.securetoken.testpki.HeldCertificate.pem(service.serviceCa.caCertificate()));
        java.net.URI address = java.net.URI.create("csc://localhost:" + service.csc.port()
                + "/csc/v2?credential=alice-node&client-id=node-7&client-secret-env=CSC_SECRET&trust=" + anchors);
        remote = RemoteService.open(CscTokenConfig.parse(address, java.util.Map.of("CSC_SECRET", RemoteService.SECRET)::get));
        remote.login(request -> null);
        TrustPolicy trust = TrustPolicy.builder().trustAnchors(service.signingCa.caCertificate()).build();
        gateway = NodeTls.server(CredentialSource.of(gatewayToken, "node")).trustPolicy(trust).build();
        clinic = NodeTls.client(CredentialSource.of(remote, "alice-node")).trustPolicy(trust)
                .handshakeTimeout(Duration.ofSeconds(20)).sessionCache(16, Duration.ofMinutes(10)).build();
        group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    }

    @AfterEach
    void stop() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        clinic.close();
        gateway.close();
        remote.close();
        gatewayToken.close();
        service.close();
    }

    /** Collects the node-authentication events of a pipeline. */
    private static ChannelInboundHandlerAdapter events(BlockingQueue<Object> into) {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                if (evt instanceof NodeAuthenticatedEvent || evt instanceof NodeAuthenticationFailedEvent) {
                    into.add(evt);
                }
                ctx.fireUserEventTriggered(evt);
            }

            /** The gateway echoes; the clinic records the echo (by then it holds the session ticket). */
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (ctx.channel().parent() != null) {
                    ctx.writeAndFlush(msg);
                } else {
                    ((io.netty.buffer.ByteBuf) msg).release();
                    into.add("echo");
                }
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                ctx.close();
            }
        };
    }

    /** Connects, waits for the client's outcome and then the gateway's, and closes; returns both. */
    private Object[] connect(int port, BlockingQueue<Object> atGateway) throws Exception {
        BlockingQueue<Object> outcome = new LinkedBlockingQueue<>();
        Channel ch = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel c) {
                        clinic.addTo(c, "127.0.0.1", port);
                        c.pipeline().addLast(events(outcome));
                    }
                }).connect("127.0.0.1", port).sync().channel();
        Object[] result = {outcome.poll(30, TimeUnit.SECONDS), atGateway.poll(30, TimeUnit.SECONDS)};
        ch.writeAndFlush(io.netty.buffer.Unpooled.wrappedBuffer(new byte[] {'!'}));
        assertEquals("echo", outcome.poll(30, TimeUnit.SECONDS));
        ch.close().sync();
        return result;
    }

    @Test
    void aNodeWhoseKeyIsInTheSigningServiceAuthenticatesAndResumesWithoutSigningAgain() throws Exception {
        BlockingQueue<Object> seen = new LinkedBlockingQueue<>();
        Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel c) {
                        gateway.addTo(c);
                        c.pipeline().addLast(events(seen));
                    }
                }).bind("127.0.0.1", 0).sync().channel();
        int port = ((InetSocketAddress) server.localAddress()).getPort();

        Object[] first = connect(port, seen);
        NodeAuthenticatedEvent client = assertInstanceOf(NodeAuthenticatedEvent.class, first[0]);
        NodeAuthenticatedEvent atGateway = assertInstanceOf(NodeAuthenticatedEvent.class, first[1]);
        assertEquals("gateway", client.identity().nodeId());
        assertEquals("clinic-remote-001", atGateway.identity().nodeId());
        assertEquals(remote.credential("alice-node").certificate(), atGateway.identity().certificate());
        assertEquals(1, service.csc.signatureCount(), "the handshake's signature was made by the service");

        Object[] second = connect(port, seen);
        assertInstanceOf(NodeAuthenticatedEvent.class, second[0]);
        assertInstanceOf(NodeAuthenticatedEvent.class, second[1]);
        assertEquals(1, service.csc.signatureCount(), "a resumed session needs no remote signature");
        server.close().sync();
    }
}
