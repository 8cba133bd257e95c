package jp.securetoken.jpki;

import static jp.securetoken.jpki.CardInReader.AUTH_PIN;
import static jp.securetoken.jpki.CardInReader.IDENTITY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

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
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;

import jp.securetoken.api.CredentialSource;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.SecureTokens;
import jp.securetoken.jpki.emulator.PcscdExtension;
import jp.securetoken.testpki.HeldCertificate;
import jp.securetoken.testpki.TestPki;
import jp.securetoken.tls.NodeAuthenticatedEvent;
import jp.securetoken.tls.NodeAuthenticationFailedEvent;
import jp.securetoken.tls.NodeIdentity;
import jp.securetoken.tls.NodeTls;
import jp.securetoken.tls.NodeTlsContext;
import jp.securetoken.tls.trust.TrustPolicy;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * End to end: a {@code jpki:auth} token in pcscd's reader is the client key of a mutual-TLS handshake
 * built by tls-node-auth, against a plain Netty server that trusts the card's user-authentication CA.
 */
@ExtendWith(PcscdExtension.class)
class MutualTlsWithCardTest {
    private final TestPki serverPki = TestPki.create("Regional Gateway CA");
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    private CardInReader card;

    @BeforeEach
    void insertCard() {
        card = CardInReader.insert();
    }

    @AfterEach
    void stop() {
        group.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        card.close();
    }

    @Test
    void cardAuthenticatesTheClientOverTls12() throws Exception {
        HeldCertificate gateway = serverPki.issue("gateway").serverAuth().dnsName("localhost").build();
        SslContext serverContext = SslContextBuilder.forServer(gateway.keyPair().getPrivate(), gateway.certificate())
                .trustManager(IDENTITY.authCaCertificate()).clientAuth(ClientAuth.REQUIRE).build();
        CompletableFuture<X509Certificate> clientSeenByServer = new CompletableFuture<>();
        Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel c) {
                        SslHandler tls = serverContext.newHandler(c.alloc());
                        c.pipeline().addLast(tls, new SimpleChannelInboundHandler<ByteBuf>() {
                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                                ctx.writeAndFlush(msg.retain());
                            }

                            @Override
                            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
                                if (evt instanceof SslHandshakeCompletionEvent done) {
                                    if (done.isSuccess()) {
                                        clientSeenByServer.complete((X509Certificate) tls.engine().getSession()
                                                .getPeerCertificates()[0]);
                                    } else {
                                        clientSeenByServer.completeExceptionally(done.cause());
                                    }
                                }
                            }
                        });
                    }
                }).bind("127.0.0.1", 0).sync().channel();
        int port = ((InetSocketAddress) server.localAddress()).getPort();

        try (SecureToken token = SecureTokens.discover().open("jpki:auth")) {
            token.login(CardInReader.pin(AUTH_PIN));
            NodeTlsContext client = NodeTls.client(CredentialSource.of(token, "auth"))
                    .trustPolicy(TrustPolicy.builder().trustAnchors(serverPki.caCertificate()).build()).build();
            assertEquals(List.of("TLSv1.2"), client.protocols(), "a PKCS#1-only card cannot sign for TLS 1.3");

            CompletableFuture<Object> outcome = new CompletableFuture<>();
            CompletableFuture<String> echoed = new CompletableFuture<>();
            Channel ch = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel c) {
                            client.addTo(c, "127.0.0.1", port);
                            c.pipeline().addLast(new SimpleChannelInboundHandler<ByteBuf>() {
                                @Override
                                protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                                    echoed.complete(msg.toString(StandardCharsets.UTF_8));
                                }

                                @Override
                                public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                                    if (evt instanceof NodeAuthenticatedEvent || evt instanceof NodeAuthenticationFailedEvent) {
                                        outcome.complete(evt);
                                    }
                                }
                            });
                        }
                    }).connect("127.0.0.1", port).sync().channel();

            NodeIdentity gatewaySeen = assertInstanceOf(NodeAuthenticatedEvent.class,
                    outcome.get(20, TimeUnit.SECONDS)).identity();
            assertEquals("TLSv1.2", gatewaySeen.protocol());
            assertEquals(IDENTITY.authCertificate(), clientSeenByServer.get(20, TimeUnit.SECONDS));
            ch.writeAndFlush(Unpooled.copiedBuffer("hello", StandardCharsets.UTF_8));
            assertEquals("hello", echoed.get(20, TimeUnit.SECONDS));
            assertTrue(card.card.signCommands() >= 1, "the card signed the CertificateVerify");
            ch.close().sync();
            client.close();
        } finally {
            server.close().sync();
        }
    }
}
