package jp.securetoken.tls;

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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Loopback echo servers and clients over node-authentication TLS, for tests. Every server and
 * client started here is closed by {@link #close()}.
 */
final class Peers implements AutoCloseable {
    final EventLoopGroup group;
    private final List<Channel> channels = new ArrayList<>();

    Peers(int threads) {
        this.group = new MultiThreadIoEventLoopGroup(threads, NioIoHandler.newFactory());
    }

    /** A running echo server and the authentication events its connections fired. */
    static final class Server {
        final Channel channel;
        final BlockingQueue<Object> events;

        Server(Channel channel, BlockingQueue<Object> events) {
            this.channel = channel;
            this.events = events;
        }

        int port() {
            return ((InetSocketAddress) channel.localAddress()).getPort();
        }

        /** The next authentication event (authenticated or failed), waiting at most 20 s. */
        Object nextEvent() throws InterruptedException {
            Object e = events.poll(20, TimeUnit.SECONDS);
            if (e == null) {
                throw new AssertionError("no authentication event on the server within 20 s");
            }
            return e;
        }
    }

    /** A client connection: its authentication outcome and the lines echoed back. */
    static final class Client {
        final Channel channel;
        final CompletableFuture<Object> outcome;
        final BlockingQueue<String> received;

        Client(Channel channel, CompletableFuture<Object> outcome, BlockingQueue<String> received) {
            this.channel = channel;
            this.outcome = outcome;
            this.received = received;
        }

        Object awaitOutcome() throws Exception {
            return outcome.get(20, TimeUnit.SECONDS);
        }

        NodeIdentity awaitAuthenticated() throws Exception {
            Object o = awaitOutcome();
            if (o instanceof NodeAuthenticatedEvent ok) {
                return ok.identity();
            }
            throw new AssertionError("handshake failed: " + o);
        }

        String echo(String line) throws InterruptedException {
            channel.writeAndFlush(Unpooled.copiedBuffer(line, StandardCharsets.UTF_8));
            String back = received.poll(20, TimeUnit.SECONDS);
            if (back == null) {
                throw new AssertionError("no echo within 20 s");
            }
            return back;
        }
    }

    Server echoServer(NodeTlsContext context) throws InterruptedException {
        BlockingQueue<Object> events = new LinkedBlockingQueue<>();
        Channel ch = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel c) {
                        context.addTo(c);
                        c.pipeline().addLast(new SimpleChannelInboundHandler<ByteBuf>() {
                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                                ctx.writeAndFlush(msg.retain());
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
                        });
                    }
                }).bind("127.0.0.1", 0).sync().channel();
        synchronized (channels) {
            channels.add(ch);
        }
        return new Server(ch, events);
    }

    Client connect(NodeTlsContext context, int port) throws InterruptedException {
        return connect(context, port, "127.0.0.1", port);
    }

    /**
     * Connects to {@code port} while the client knows its peer as {@code peerHost:peerPort}, the
     * name its session cache files the session under (a fleet behind one load-balancer address).
     */
    Client connect(NodeTlsContext context, int port, String peerHost, int peerPort) throws InterruptedException {
        CompletableFuture<Object> outcome = new CompletableFuture<>();
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        Channel ch = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel c) {
                        context.addTo(c, peerHost, peerPort);
                        c.pipeline().addLast(new SimpleChannelInboundHandler<ByteBuf>() {
                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                                received.add(msg.toString(StandardCharsets.UTF_8));
                            }

                            @Override
                            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                                if (evt instanceof NodeAuthenticatedEvent || evt instanceof NodeAuthenticationFailedEvent) {
                                    outcome.complete(evt);
                                }
                            }

                            @Override
                            public void channelInactive(ChannelHandlerContext ctx) {
                                outcome.complete(new NodeAuthenticationFailedEvent(
                                        NodeAuthenticationFailedEvent.Kind.OTHER, java.util.Optional.empty(),
                                        "connection closed before the handshake finished"));
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                ctx.close();
                            }
                        });
                    }
                }).connect("127.0.0.1", port).sync().channel();
        synchronized (channels) {
            channels.add(ch);
        }
        return new Client(ch, outcome, received);
    }

    @Override
    public void close() {
        synchronized (channels) {
            channels.forEach(c -> c.close().awaitUninterruptibly(5, TimeUnit.SECONDS));
        }
        group.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }
}
