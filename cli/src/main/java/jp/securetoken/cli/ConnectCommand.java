package jp.securetoken.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslHandler;
import jp.securetoken.api.CredentialSource;
import jp.securetoken.api.SecureToken;
import jp.securetoken.tls.NodeAuthenticatedEvent;
import jp.securetoken.tls.NodeAuthenticationFailedEvent;
import jp.securetoken.tls.NodeTls;
import jp.securetoken.tls.NodeTlsContext;
import jp.securetoken.tls.trust.RevocationSourceListener;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nodeauth connect HOST:PORT}: a mutual-TLS client that pipes standard input and output. */
@Command(name = "connect", description = {"Connect with mutual TLS, authenticating with the token's credential, "
    + "and pipe standard input to the server and the server's bytes to standard output.",
    "Prints who the server is (node, TLS version, suite) on standard error. At the end of standard input it "
        + "sends close_notify and waits for the server to close. Exit code 5 when either side refuses the other."})
final class ConnectCommand extends TokenAction {
    private static final long HANDSHAKE_SECONDS = 30;

    @Mixin
    TlsOptions tls;

    @Mixin
    StackOption stack;

    @Parameters(paramLabel = "HOST:PORT", description = "The server.")
    String server;

    @Option(names = "--check-hostname", description = "The server's certificate must name HOST (DNS or IP "
            + "subject alternative name); default off, certificates name nodes.")
    boolean checkHostname;

    @Mixin
    PinOptions.User userPin;

    @Mixin
    PinOptions.Device deviceKey;

    @Override
    void run() throws Exception {
        TlsOptions.HostPort target = TlsOptions.HostPort.parse(server, "HOST:PORT");
        jp.securetoken.tls.TlsStack requested = stack.value();
        var policy = tls.trust.builder().checkHostname(checkHostname).build();
        try (PinReader pins = pins(); SecureToken token = open(tls.token)) {
            login(token, pins, userPin, deviceKey);
            token.credential(tls.alias);
            tls.trust.revocationEvents(RevocationSourceListener.none(), err());
            EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
            CompletableFuture<Object> handshake = new CompletableFuture<>();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            try (NodeTlsContext context = NodeTls.client(CredentialSource.of(token, tls.alias)).trustPolicy(policy)
                    .stack(requested).build()) {
                StackOption.note(context).ifPresent(note -> {
                    err().println(note);
                    err().flush();
                });
                Channel channel = new Bootstrap().group(group).channel(NioSocketChannel.class)
                        .handler(new ChannelInitializer<SocketChannel>() {
                            @Override
                            protected void initChannel(SocketChannel ch) {
                                context.addTo(ch, target.host(), target.port());
                                ch.pipeline().addLast(new ToStdout(handshake, failure));
                            }
                        }).connect(target.host(), target.port()).sync().channel();
                Object outcome;
                try {
                    outcome = handshake.get(HANDSHAKE_SECONDS, TimeUnit.SECONDS);
                } catch (TimeoutException e) {
                    channel.close();
                    throw new CliException(ExitCode.FAILURE, "no TLS handshake with " + target + " within "
                            + HANDSHAKE_SECONDS + " s", e);
                }
                if (outcome instanceof NodeAuthenticationFailedEvent failed) {
                    throw refused(failed);
                }
                NodeAuthenticatedEvent ok = (NodeAuthenticatedEvent) outcome;
                err().println("Connected to " + ServeCommand.describe(ok.identity()) + " at " + target);
                err().flush();
                Thread pump = new Thread(() -> pump(System.in, channel), "nodeauth-stdin");
                pump.setDaemon(true);
                pump.start();
                channel.closeFuture().sync();
                // the close may be announced while the event loop is still reporting why: let it finish
                channel.eventLoop().submit(() -> { }).sync();
                Throwable error = failure.get();
                if (error != null) {
                    Throwable reason = error instanceof io.netty.handler.codec.DecoderException && error.getCause() != null
                            ? error.getCause() : error;
                    throw new CliException(ExitCode.PEER_REJECTED, "the server ended the connection with an error (a TLS 1.3 "
                            + "server that refuses our certificate says so just after the handshake): "
                            + reason.getMessage(), error);
                }
            } finally {
                group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * The exit code of a failed handshake: 5 when either side refused the other; for our token's
     * error, the code of that error (4 for a card removed mid-handshake), or 3 when it has none of
     * its own (the token could not authenticate us).
     */
    static CliException refused(NodeAuthenticationFailedEvent failed) {
        ExitCode code = switch (failed.kind()) {
            case PEER_REJECTED, PEER_REFUSED_US -> ExitCode.PEER_REJECTED;
            case TOKEN_ERROR -> failed.tokenError().map(ExitCode::of).filter(c -> c != ExitCode.FAILURE)
                    .orElse(ExitCode.AUTHENTICATION);
            default -> ExitCode.FAILURE;
        };
        String who = failed.kind() == NodeAuthenticationFailedEvent.Kind.PEER_REFUSED_US ? "the server refused us"
                : "handshake failed";
        return new CliException(code, who + " (" + failed.kind() + failed.rejection().map(r -> ", " + r).orElse("")
                + "): " + failed.message());
    }

    /** Copies standard input to the connection; at its end, closes our side of the TLS session. */
    private static void pump(InputStream in, Channel channel) {
        byte[] buffer = new byte[8192];
        try {
            int n;
            while ((n = in.read(buffer)) != -1 && channel.isActive()) {
                channel.writeAndFlush(Unpooled.copiedBuffer(buffer, 0, n)).sync();
            }
        } catch (IOException | RuntimeException e) {
            channel.close();
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        SslHandler ssl = channel.pipeline().get(SslHandler.class);
        if (ssl != null) {
            ssl.closeOutbound();
        }
    }

    /** Reports the handshake and writes what the server sends to standard output. */
    static final class ToStdout extends ChannelInboundHandlerAdapter {
        private final CompletableFuture<Object> handshake;
        private final AtomicReference<Throwable> failure;
        private final OutputStream out = System.out;

        ToStdout(CompletableFuture<Object> handshake, AtomicReference<Throwable> failure) {
            this.handshake = handshake;
            this.failure = failure;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof NodeAuthenticatedEvent || evt instanceof NodeAuthenticationFailedEvent) {
                handshake.complete(evt);
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws IOException {
            ByteBuf buf = (ByteBuf) msg;
            try {
                buf.readBytes(out, buf.readableBytes());
                out.flush();
            } finally {
                buf.release();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            handshake.complete(new NodeAuthenticationFailedEvent(NodeAuthenticationFailedEvent.Kind.OTHER,
                    java.util.Optional.empty(), "the connection closed before the handshake finished"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            failure.compareAndSet(null, cause);
            ctx.close();
        }
    }
}
