package jp.securetoken.tls.gateway;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import jp.securetoken.tls.NodeAuthenticatedEvent;
import jp.securetoken.tls.NodeAuthenticationFailedEvent;
import jp.securetoken.tls.NodeTlsContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TLS-terminating gateway: accepts node-authenticated connections and, only once the peer is
 * authenticated, relays its bytes to an internal service (and back). A refused peer never reaches
 * the internal service. The access point of a regional medical network in front of, say, an
 * internal HTTP service.
 */
public final class ForwardingGateway implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ForwardingGateway.class);

    private final EventLoopGroup group;
    private final Channel listener;

    private ForwardingGateway(EventLoopGroup group, Channel listener) {
        this.group = group;
        this.listener = listener;
    }

    /**
     * Starts listening on {@code listen} and forwards authenticated connections to {@code service}.
     *
     * @param tls a server context from {@code NodeTls.server(...)}
     */
    public static ForwardingGateway start(NodeTlsContext tls, InetSocketAddress listen, InetSocketAddress service)
            throws InterruptedException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(NioIoHandler.newFactory());
        try {
            Channel listener = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            tls.addTo(ch);
                            ch.pipeline().addLast(new Frontend(service));
                        }
                    }).bind(listen).sync().channel();
            LOG.info("Gateway listening on {}, forwarding authenticated nodes to {}", listener.localAddress(), service);
            return new ForwardingGateway(group, listener);
        } catch (InterruptedException | RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** The address it listens on (useful with port 0). */
    public InetSocketAddress address() {
        return (InetSocketAddress) listener.localAddress();
    }

    /** Stops listening and closes every relayed connection. */
    @Override
    public void close() {
        listener.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** The node's side: connects to the service once the node is authenticated, then relays. */
    private static final class Frontend extends ChannelInboundHandlerAdapter {
        private final InetSocketAddress service;
        private final List<Object> early = new ArrayList<>();
        private boolean authenticated;
        private Channel backend;

        Frontend(InetSocketAddress service) {
            this.service = service;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.read();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof NodeAuthenticatedEvent authenticated) {
                this.authenticated = true;
                Channel node = ctx.channel();
                new Bootstrap().group(node.eventLoop()).channel(NioSocketChannel.class)
                        .option(ChannelOption.AUTO_READ, false)
                        .handler(new Relay(node))
                        .connect(service).addListener((ChannelFutureListener) f -> {
                            if (f.isSuccess()) {
                                backend = f.channel();
                                early.forEach(backend::write);
                                early.clear();
                                backend.flush();
                                LOG.info("Node {} at {} connected through to {}", authenticated.identity().nodeId(),
                                        node.remoteAddress(), service);
                                backend.read();
                                node.read();
                            } else {
                                LOG.warn("Internal service {} unreachable for node {}: {}", service,
                                        authenticated.identity().nodeId(), f.cause().getMessage());
                                releaseEarly();
                                node.close();
                            }
                        });
            } else if (evt instanceof NodeAuthenticationFailedEvent) {
                ctx.close();
            } else {
                ctx.read();
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (backend == null) {
                early.add(msg);
                return;
            }
            backend.writeAndFlush(msg).addListener((ChannelFutureListener) f -> {
                if (f.isSuccess()) {
                    ctx.channel().read();
                } else {
                    f.channel().close();
                }
            });
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (!authenticated) {
                ctx.read();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            releaseEarly();
            closeOnFlush(backend);
        }

        private void releaseEarly() {
            early.forEach(ReferenceCountUtil::release);
            early.clear();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("Node connection {} failed: {}", ctx.channel().remoteAddress(), cause.getMessage());
            closeOnFlush(ctx.channel());
        }
    }

    /** The service's side: relays its answers back to the node. */
    private static final class Relay extends ChannelInboundHandlerAdapter {
        private final Channel node;

        Relay(Channel node) {
            this.node = node;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            node.writeAndFlush(msg).addListener((ChannelFutureListener) f -> {
                if (f.isSuccess()) {
                    ctx.channel().read();
                } else {
                    f.channel().close();
                }
            });
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            closeOnFlush(node);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            closeOnFlush(ctx.channel());
        }
    }

    private static void closeOnFlush(Channel ch) {
        if (ch != null && ch.isActive()) {
            ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
