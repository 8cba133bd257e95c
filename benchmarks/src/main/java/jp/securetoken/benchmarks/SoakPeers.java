package jp.securetoken.benchmarks;

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
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import jp.securetoken.tls.NodeAuthenticatedEvent;
import jp.securetoken.tls.NodeAuthenticationFailedEvent;
import jp.securetoken.tls.NodeTlsContext;

/** A loopback echo server and its clients over node-authentication TLS, on one event-loop group. */
final class SoakPeers implements AutoCloseable {
    private final EventLoopGroup group;
    private final Channel server;

    SoakPeers(NodeTlsContext serverTls, int threads) throws InterruptedException {
        group = new MultiThreadIoEventLoopGroup(threads, NioIoHandler.newFactory());
        server = echoServer(serverTls, group);
    }

    /** A loopback echo server on {@code loop}: node-authentication TLS, then echoes what it reads. */
    static Channel echoServer(NodeTlsContext serverTls, EventLoopGroup loop) throws InterruptedException {
        return new ServerBootstrap().group(loop).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel c) {
                        serverTls.addTo(c);
                        c.pipeline().addLast(new SimpleChannelInboundHandler<ByteBuf>() {
                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                                ctx.writeAndFlush(msg.retain());
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                ctx.close();
                            }
                        });
                    }
                }).bind("127.0.0.1", 0).sync().channel();
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** One client connection: how its handshake ended, and the first echo it got. */
    record Connection(Channel channel, CompletableFuture<Object> outcome, CompletableFuture<String> echo) {
        /** The authentication event (authenticated or failed), or a failure when the channel closed first. */
        Object awaitOutcome() throws Exception {
            return outcome.get(60, TimeUnit.SECONDS);
        }

        void close() {
            channel.close().awaitUninterruptibly(10, TimeUnit.SECONDS);
        }
    }

    /**
     * Connects a client. With {@code resume} the handler names the peer, so the session is cached
     * and the next connection resumes it without a token signature; without, every handshake is full.
     */
    Connection connect(NodeTlsContext clientTls, boolean resume) {
        CompletableFuture<Object> outcome = new CompletableFuture<>();
        CompletableFuture<String> echo = new CompletableFuture<>();
        int port = port();
        Channel ch = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel c) {
                        if (resume) {
                            clientTls.addTo(c, "127.0.0.1", port);
                        } else {
                            clientTls.addTo(c, null, -1);
                        }
                        c.pipeline().addLast(new SimpleChannelInboundHandler<ByteBuf>() {
                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                                echo.complete(msg.toString(StandardCharsets.UTF_8));
                            }

                            @Override
                            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                                if (evt instanceof NodeAuthenticatedEvent || evt instanceof NodeAuthenticationFailedEvent) {
                                    outcome.complete(evt);
                                }
                                ctx.fireUserEventTriggered(evt);
                            }

                            @Override
                            public void channelInactive(ChannelHandlerContext ctx) {
                                outcome.complete(new NodeAuthenticationFailedEvent(
                                        NodeAuthenticationFailedEvent.Kind.OTHER, Optional.empty(),
                                        "connection closed before the handshake finished"));
                                echo.complete(null);
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                ctx.close();
                            }
                        });
                    }
                }).connect("127.0.0.1", port).channel();
        return new Connection(ch, outcome, echo);
    }

    /** Sends {@code text} on an authenticated connection. */
    static void send(Connection c, String text) {
        c.channel().writeAndFlush(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        server.close().awaitUninterruptibly(10, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(20, TimeUnit.SECONDS);
    }
}
