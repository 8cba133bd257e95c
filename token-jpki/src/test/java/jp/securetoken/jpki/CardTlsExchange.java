package jp.securetoken.jpki;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import jp.securetoken.api.CredentialSource;
import jp.securetoken.api.SecureToken;
import jp.securetoken.testpki.HeldCertificate;
import jp.securetoken.testpki.TestPki;
import jp.securetoken.tls.NodeAuthenticatedEvent;
import jp.securetoken.tls.NodeAuthenticationFailedEvent;
import jp.securetoken.tls.NodeTls;
import jp.securetoken.tls.NodeTlsContext;
import jp.securetoken.tls.trust.TrustPolicy;

/**
 * One mutual-TLS exchange with a card token as the client key (tls-node-auth), against a plain
 * Netty server that trusts the card's CA and echoes: what was negotiated and seen on each side.
 */
final class CardTlsExchange {
    /** What one exchange showed. */
    record Outcome(List<String> offered, Object clientEvent, X509Certificate clientSeenByServer, String echoed) {
    }

    private CardTlsExchange() {
    }

    static Outcome run(EventLoopGroup group, TestPki serverPki, X509Certificate cardCa, SecureToken token,
            String alias) throws Exception {
        HeldCertificate gateway = serverPki.issue("gateway").serverAuth().dnsName("localhost").build();
        SslContext serverContext = SslContextBuilder.forServer(gateway.keyPair().getPrivate(), gateway.certificate())
                .trustManager(cardCa).clientAuth(ClientAuth.REQUIRE).build();
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
        try {
            NodeTlsContext client = NodeTls.client(CredentialSource.of(token, alias))
                    .trustPolicy(TrustPolicy.builder().trustAnchors(serverPki.caCertificate()).build()).build();
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
                                    if (evt instanceof NodeAuthenticatedEvent
                                            || evt instanceof NodeAuthenticationFailedEvent) {
                                        outcome.complete(evt);
                                    }
                                }
                            });
                        }
                    }).connect("127.0.0.1", port).sync().channel();
            Object event = outcome.get(20, TimeUnit.SECONDS);
            X509Certificate seen = clientSeenByServer.get(20, TimeUnit.SECONDS);
            ch.writeAndFlush(Unpooled.copiedBuffer("hello", StandardCharsets.UTF_8));
            String back = echoed.get(20, TimeUnit.SECONDS);
            ch.close().sync();
            List<String> offered = client.protocols();
            client.close();
            return new Outcome(offered, event, seen, back);
        } finally {
            server.close().sync();
        }
    }
}
