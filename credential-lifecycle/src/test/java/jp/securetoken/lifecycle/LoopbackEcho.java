package jp.securetoken.lifecycle;

import static org.awaitility.Awaitility.await;

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
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import jp.securetoken.tls.NodeAuthenticationFailedEvent;
import jp.securetoken.tls.NodeAuthenticationListener;
import jp.securetoken.tls.NodeIdentity;
import jp.securetoken.tls.NodeTlsContext;

/**
 * NodeTls peers on loopback for the lifecycle tests: an echo server (a gateway) and clients on
 * Netty, one event loop group, and what the server concluded about each client connection.
 */
final class LoopbackEcho implements AutoCloseable {
    private static final Duration WAIT = Duration.ofSeconds(15);

    private final EventLoopGroup loop = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());

    /** The gateway's record, by the client's address: the certificate it authenticated, or why it refused. */
    static final class PeersSeen implements NodeAuthenticationListener {
        private final Map<SocketAddress, X509Certificate> authenticated = new ConcurrentHashMap<>();
        private final Map<SocketAddress, NodeAuthenticationFailedEvent> failed = new ConcurrentHashMap<>();

        @Override
        public void authenticated(NodeIdentity peer, SocketAddress remote) {
            authenticated.put(remote, peer.certificate());
        }

        @Override
        public void failed(NodeAuthenticationFailedEvent failure, SocketAddress remote) {
            failed.put(remote, failure);
        }

        /** The certificate the connection authenticated with (waits for the handshake). */
        X509Certificate certificateOf(Connection client) {
            SocketAddress local = client.channel.localAddress();
            await().atMost(WAIT).until(() -> authenticated.containsKey(local) || failed.containsKey(local));
            if (!authenticated.containsKey(local)) {
                throw new AssertionError("the server refused the connection: " + failed.get(local));
            }
            return authenticated.get(local);
        }

        /** Why the server refused the connection (waits for the handshake). */
        NodeAuthenticationFailedEvent refusalOf(Connection client) {
            SocketAddress local = client.channel.localAddress();
            await().atMost(WAIT).until(() -> authenticated.containsKey(local) || failed.containsKey(local));
            if (!failed.containsKey(local)) {
                throw new AssertionError("the server authenticated " + authenticated.get(local)
                        .getSubjectX500Principal());
            }
            return failed.get(local);
        }
    }

    /** One client connection and what came back on it. */
    static final class Connection {
        final Channel channel;
        private final StringBuffer received;

        private Connection(Channel channel, StringBuffer received) {
            this.channel = channel;
            this.received = received;
        }

        /** Sends {@code text} and waits for it to come back. */
        String echo(String text) {
            int from = received.length();
            channel.writeAndFlush(Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII));
            await().atMost(WAIT).until(() -> received.length() >= from + text.length());
            return received.substring(from, from + text.length());
        }

        void close() throws InterruptedException {
            channel.close().sync();
        }
    }

    /** An echo server on a loopback port, TLS from {@code tls}. */
    Channel echoServer(NodeTlsContext tls) throws InterruptedException {
        return new ServerBootstrap().group(loop).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel c) {
                        tls.addTo(c);
                        c.pipeline().addLast(new SimpleChannelInboundHandler<ByteBuf>() {
                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                                ctx.writeAndFlush(msg.retain());
                            }
                        });
                    }
                }).bind("127.0.0.1", 0).sync().channel();
    }

    static int port(Channel server) {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** A client connection to {@code port} with TLS from {@code tls} (sessions cached per host and port). */
    Connection connect(NodeTlsContext tls, int port) throws InterruptedException {
        StringBuffer received = new StringBuffer();
        Channel channel = new Bootstrap().group(loop).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel c) {
                        tls.addTo(c, "127.0.0.1", port);
                        c.pipeline().addLast(new SimpleChannelInboundHandler<ByteBuf>() {
                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                                received.append(msg.toString(StandardCharsets.US_ASCII));
                            }
                        });
                    }
                }).connect("127.0.0.1", port).sync().channel();
        return new Connection(channel, received);
    }

    @Override
    public void close() {
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
