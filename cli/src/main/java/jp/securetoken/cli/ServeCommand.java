package jp.securetoken.cli;

import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

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
import io.netty.handler.ssl.SslCloseCompletionEvent;
import jp.securetoken.api.CredentialSource;
import jp.securetoken.api.SecureToken;
import jp.securetoken.tls.NodeAuthenticatedEvent;
import jp.securetoken.tls.NodeAuthenticationFailedEvent;
import jp.securetoken.tls.NodeIdentity;
import jp.securetoken.tls.NodeTls;
import jp.securetoken.tls.NodeTlsContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code nodeauth serve}: a mutual-TLS server, an echo service or a TLS-terminating gateway. */
@Command(name = "serve", description = {"Accept mutual-TLS connections authenticated with the token's credential "
    + "and print who authenticated (node, TLS version, suite) or why a peer was refused.",
    "Without --forward, echoes what each peer sends; with --forward host:port, forwards each authenticated "
        + "connection to that internal service (a TLS-terminating gateway). Runs until stopped (Ctrl-C)."})
final class ServeCommand extends TokenAction {
    @Mixin
    TlsOptions tls;

    @Mixin
    StackOption stack;

    @Mixin
    TicketKeyOptions ticketKeys;

    @Option(names = "--port", required = true, paramLabel = "PORT", description = "Port to listen on (0: any free "
            + "port, printed at start).")
    int port;

    @Option(names = "--bind", paramLabel = "ADDRESS", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String bind = "127.0.0.1";

    @Option(names = "--forward", paramLabel = "HOST:PORT", description = "Forward authenticated connections here.")
    String forward;

    @Mixin
    LimitOptions limits;

    @Mixin
    PinOptions.User userPin;

    @Mixin
    PinOptions.Device deviceKey;

    @Mixin
    AuditOptions audit;

    @Override
    void run() throws Exception {
        TlsOptions.HostPort target = forward == null ? null : TlsOptions.HostPort.parse(forward, "--forward");
        jp.securetoken.tls.TlsStack requested = stack.value();
        var fleetKeys = ticketKeys.keys(requested);
        var policy = tls.policy();
        var connectionLimits = limits.limits();
        try (PinReader pins = pins(); SecureToken opened = open(tls.token);
                AuditOptions.Trail trail = audit.start(opened, tls.alias, nodeId(opened), tls.trust.caFiles)) {
            SecureToken token = trail.watch(opened);
            tls.trust.revocationEvents(trail.revocationListener(), err());
            login(token, pins, userPin, deviceKey);
            String self = token.credential(tls.alias).certificate().getSubjectX500Principal().getName();
            trail.application(jp.securetoken.tls.audit.AuditEvent.Kind.APPLICATION_START, "nodeauth serve started");
            EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
            CountDownLatch done = new CountDownLatch(1);
            PrintWriter out = out();
            LoginKeeper keeper = keeper(token, out);
            var builder = NodeTls.server(CredentialSource.of(token, tls.alias)).trustPolicy(policy)
                    .stack(requested).listener(keeper.watching(trail.listener())).connectionLimits(connectionLimits);
            fleetKeys.ifPresent(builder::sessionTicketKeys);
            try (keeper; NodeTlsContext context = build(builder)) {
                Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                        .childOption(ChannelOption.AUTO_READ, false)
                        .childHandler(new ChannelInitializer<SocketChannel>() {
                            @Override
                            protected void initChannel(SocketChannel ch) {
                                context.addTo(ch);
                                ch.pipeline().addLast(new Connection(out, target));
                            }
                        }).bind(bind, port).sync().channel();
                InetSocketAddress local = (InetSocketAddress) server.localAddress();
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    server.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
                    awaitQuietly(done);
                }, "nodeauth-serve-stop"));
                synchronized (out) {
                    out.println("Listening on " + local.getHostString() + ":" + local.getPort() + " as " + self
                            + " (" + String.join(", ", context.protocols()) + ")"
                            + (target == null ? ", echoing" : ", forwarding to " + target) + "; limits: "
                            + connectionLimits);
                    context.restriction().ifPresent(r -> out.println("Note: " + r));
                    StackOption.note(context).ifPresent(out::println);
                    if (target != null && context.stack() == jp.securetoken.tls.TlsStack.OPENSSL) {
                        out.println("Note: the openssl stack does not half-close: a client that closes its side"
                                + " before the service answers gets no answer (use --stack jdk for such clients)");
                    }
                    out.flush();
                }
                server.closeFuture().sync();
            } finally {
                group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
                done.countDown();
            }
        }
    }

    /**
     * Logs the token in again after it lost its login (card or device back after pcscd restarted or
     * the reader was re-plugged), from the same PIN file, variable or device key as at start.
     */
    private LoginKeeper keeper(SecureToken token, PrintWriter out) {
        LoginKeeper.Login again = null;
        String source = "";
        boolean usesPin = true;
        if (deviceKey.file != null) {
            java.nio.file.Path file = deviceKey.file;
            again = t -> t.login(DeviceKeys.read(file));
            source = "the device key " + file;
            usesPin = false;
        } else if (userPin.env != null || userPin.file != null) {
            again = t -> {
                try (PinReader unattended = new PinReader(null, java.io.InputStream.nullInputStream(), false, err(),
                        System::getenv)) {
                    t.login(unattended.callback("user PIN", userPin.source(), false));
                }
            };
            source = userPin.file != null ? "the PIN of --pin-file " + userPin.file : "the PIN of --pin-env "
                    + userPin.env;
        }
        return new LoginKeeper(token, again, source, usesPin, line -> {
            synchronized (out) {
                out.println(line);
                out.flush();
            }
        });
    }

    /** Builds the context; a session-ticket key file that cannot serve is bad input, named. */
    private static NodeTlsContext build(jp.securetoken.tls.NodeTlsBuilder builder) throws Exception {
        try {
            return builder.build();
        } catch (jp.securetoken.tls.SessionTicketKeys.TicketKeyException e) {
            throw new CliException(ExitCode.BAD_INPUT, e.getMessage(), e);
        }
    }

    /** The audit source id: the credential's common name where readable before login, else the token label. */
    private String nodeId(SecureToken token) {
        try {
            return audit.repository == null ? ""
                    : jp.securetoken.tls.trust.NodeNames.nodeId(token.credential(tls.alias).certificate());
        } catch (jp.securetoken.api.TokenException e) {
            return token.info().label();
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One accepted connection: reports the handshake, then echoes or forwards. */
    static final class Connection extends ChannelInboundHandlerAdapter {
        private final PrintWriter out;
        private final TlsOptions.HostPort target;
        private final List<Object> pending = new ArrayList<>();
        private Channel backend;
        private boolean peerFinished;

        Connection(PrintWriter out, TlsOptions.HostPort target) {
            this.out = out;
            this.target = target;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.read();
            ctx.fireChannelActive();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof NodeAuthenticatedEvent ok) {
                report("authenticated " + describe(ok.identity()) + " from " + ctx.channel().remoteAddress());
                if (target == null) {
                    ctx.channel().config().setAutoRead(true);
                } else {
                    connectBackend(ctx.channel());
                }
            } else if (evt instanceof NodeAuthenticationFailedEvent failed) {
                report("refused " + ctx.channel().remoteAddress() + ": " + failed.kind()
                        + failed.rejection().map(r -> " " + r).orElse("") + ": "
                        + failed.tokenError().map(LoginKeeper::describe).orElse(failed.message()));
            } else if (evt instanceof SslCloseCompletionEvent) {
                peerFinished = true;
                if (backend != null) {
                    ((SocketChannel) backend).shutdownOutput();
                } else if (target == null) {
                    ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
                }
            }
            ctx.fireUserEventTriggered(evt);
        }

        /** Connects on the client's own event loop, so that every field here is touched by one thread. */
        private void connectBackend(Channel client) {
            new Bootstrap().group(client.eventLoop()).channel(NioSocketChannel.class)
                    .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .handler(new Pipe(client))
                    .connect(target.host(), target.port()).addListener((ChannelFutureListener) f -> {
                        if (f.isSuccess()) {
                            backend = f.channel();
                            pending.forEach(backend::write);
                            pending.clear();
                            backend.flush();
                            if (peerFinished) {
                                ((SocketChannel) backend).shutdownOutput();
                            }
                            client.config().setAutoRead(true);
                        } else {
                            pending.forEach(io.netty.util.ReferenceCountUtil::release);
                            pending.clear();
                            report("cannot reach " + target + " for " + client.remoteAddress() + ": "
                                    + f.cause().getMessage());
                            client.close();
                        }
                    });
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (backend != null) {
                backend.writeAndFlush(msg);
            } else if (target != null) {
                pending.add(msg);
            } else {
                ctx.writeAndFlush(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            pending.forEach(io.netty.util.ReferenceCountUtil::release);
            pending.clear();
            if (backend != null) {
                backend.close();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }

        private void report(String line) {
            synchronized (out) {
                out.println(line);
                out.flush();
            }
        }
    }

    /** Copies what the internal service sends back to the authenticated peer; closes it when the service does. */
    static final class Pipe extends ChannelInboundHandlerAdapter {
        private final Channel peer;

        Pipe(Channel peer) {
            this.peer = peer;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            peer.writeAndFlush(msg);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent) {
                ctx.close();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    static String describe(NodeIdentity identity) {
        return identity.nodeId() + " (" + identity.protocol() + ", " + identity.cipherSuite() + ")";
    }
}
