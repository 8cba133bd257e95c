package jp.securetoken.benchmarks;

import io.netty.bootstrap.Bootstrap;
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
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.security.auth.x500.X500Principal;
import jp.securetoken.api.CredentialSource;
import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.SecureToken;
import jp.securetoken.lifecycle.issuer.EstServer;
import jp.securetoken.lifecycle.issuer.IssuerSetup;
import jp.securetoken.lifecycle.issuer.IssuerState;
import jp.securetoken.lifecycle.node.CredentialRenewer;
import jp.securetoken.lifecycle.node.NodeEnrollment;
import jp.securetoken.tls.NodeTls;
import jp.securetoken.tls.NodeTlsContext;
import jp.securetoken.tls.TlsStack;
import jp.securetoken.tls.trust.TrustPolicy;

/**
 * A renewal under load: a gateway enrolled with the EST issuing server serves N open connections
 * (default 200) that each echo an 8-byte ping every 20 ms; its {@link CredentialRenewer} renews
 * (new key, EST re-enrollment over mutual TLS, atomic write) in the middle. Prints echo p50/p99/max
 * before, during and after the renewal (the ratios against "before", measured in the same run), the
 * connections that failed (should be 0), how long the swap took, and whether the next handshakes
 * present the new certificate. Arguments: [connections] [seconds before and after] [stack].
 */
public final class RenewalUnderLoadBenchmark {
    private static final long PING_INTERVAL_MS = 20;
    private static final int NEXT_HANDSHAKES = 20;

    private RenewalUnderLoadBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int connections = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        long phaseMillis = (args.length > 1 ? Long.parseLong(args[1]) : 5) * 1000;
        TlsStack stack = args.length > 2 ? TlsStack.valueOf(args[2].toUpperCase(Locale.ROOT)) : TlsStack.JDK;
        Path dir = Files.createTempDirectory("securetoken-renewal");
        SecureToken issuer = BenchTokens.empty(dir, "issuer");
        X509Certificate anchor = IssuerSetup.initialise(issuer, new X500Principal("CN=Benchmark Issuing CA"),
                Duration.ofDays(365), List.of("127.0.0.1"), Clock.systemUTC());
        IssuerState state = IssuerState.open(dir.resolve("issuer-state"));
        EventLoopGroup serverLoop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        EventLoopGroup clientLoops = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        int exit = 1;
        try (EstServer est = EstServer.builder(issuer, state).start();
                SecureToken gateway = enrolled(dir, "gateway", est, state, anchor);
                SecureToken clinic = enrolled(dir, "clinic", est, state, anchor);
                CredentialRenewer renewer = CredentialRenewer.builder(gateway, BenchTokens.ALIAS).start()) {
            TrustPolicy trust = TrustPolicy.builder().trustAnchors(anchor).build();
            try (NodeTlsContext server = NodeTls.server(renewer.source()).trustPolicy(trust)
                    .connectionLimits(BenchTokens.LOAD).stack(stack).build();
                    NodeTlsContext client = NodeTls.client(CredentialSource.of(clinic, BenchTokens.ALIAS))
                            .trustPolicy(trust).stack(stack).build()) {
                Channel listener = SoakPeers.echoServer(server, serverLoop);
                int port = ((InetSocketAddress) listener.localAddress()).getPort();
                exit = measure(connections, phaseMillis, stack, gateway, renewer, client, port, clientLoops);
                listener.close().sync();
            }
        } finally {
            serverLoop.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
            clientLoops.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
            issuer.close();
        }
        System.exit(exit);
    }

    private static SecureToken enrolled(Path dir, String name, EstServer est, IssuerState state,
            X509Certificate anchor) throws Exception {
        SecureToken token = BenchTokens.empty(dir, name);
        String code = state.invite(new X500Principal("CN=" + name), List.of(), Duration.ofHours(1));
        NodeEnrollment.enroll(token, BenchTokens.ALIAS, KeyAlgorithm.EC_P256, est.uri(), anchor, code.toCharArray(),
                null);
        return token;
    }

    /** One echo: when it came back (System.nanoTime) and its round trip in nanoseconds. */
    private record Echo(long at, long rtt) {
    }

    private static int measure(int connections, long phaseMillis, TlsStack stack, SecureToken gateway,
            CredentialRenewer renewer, NodeTlsContext client, int port, EventLoopGroup loops) throws Exception {
        ConcurrentLinkedQueue<Echo> echoes = new ConcurrentLinkedQueue<>();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger failures = new AtomicInteger();
        List<Channel> open = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            Channel ch = pinger(client, port, loops, echoes, running, failures);
            SslHandler tls = ch.pipeline().get(SslHandler.class);
            if (!tls.handshakeFuture().await(60, TimeUnit.SECONDS) || !tls.handshakeFuture().isSuccess()) {
                throw new IllegalStateException("connection " + i + " did not complete its handshake",
                        tls.handshakeFuture().cause());
            }
            open.add(ch);
        }
        X509Certificate before = gateway.credential(BenchTokens.ALIAS).certificate();
        Thread.sleep(phaseMillis);
        long swapStart = System.nanoTime();
        X509Certificate renewed = renewer.renewNow().get(120, TimeUnit.SECONDS);
        long swapEnd = System.nanoTime();
        Thread.sleep(phaseMillis);
        running.set(false);
        long stillOpen = open.stream().filter(Channel::isActive).count();

        int presentedNew = 0;
        for (int i = 0; i < NEXT_HANDSHAKES; i++) {
            ConcurrentLinkedQueue<Echo> probe = new ConcurrentLinkedQueue<>();
            AtomicBoolean probing = new AtomicBoolean(true);
            Channel ch = pinger(client, port, loops, probe, probing, new AtomicInteger());
            SslHandler tls = ch.pipeline().get(SslHandler.class);
            if (tls.handshakeFuture().await(60, TimeUnit.SECONDS) && tls.handshakeFuture().isSuccess()
                    && renewed.equals(tls.engine().getSession().getPeerCertificates()[0])) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (probe.isEmpty() && System.nanoTime() < deadline) {
                    Thread.sleep(2); // one echo, so the server completes its side before the close
                }
                presentedNew += probe.isEmpty() ? 0 : 1;
            }
            probing.set(false);
            ch.close().sync();
        }
        for (Channel ch : open) {
            ch.close().sync();
        }

        List<Long> pre = new ArrayList<>();
        List<Long> during = new ArrayList<>();
        List<Long> post = new ArrayList<>();
        for (Echo e : echoes) {
            (e.at() < swapStart ? pre : e.at() <= swapEnd ? during : post).add(e.rtt());
        }
        System.out.printf(Locale.ROOT, "Renewal under load: %d connections echoing every %d ms, gateway on one event"
                + " loop (%s stack), EC P-256 keys in software tokens, EST re-enrollment with a new key%n", connections,
                PING_INTERVAL_MS, stack);
        System.out.printf(Locale.ROOT, "%-8s %9s %9s %9s %9s %11s %11s%n", "phase", "echoes", "p50 ms", "p99 ms",
                "max ms", "p50/before", "p99/before");
        double p50 = percentile(pre, 0.5);
        double p99 = percentile(pre, 0.99);
        for (var phase : List.of(List.of("before", pre), List.of("during", during), List.of("after", post))) {
            @SuppressWarnings("unchecked")
            List<Long> rtts = (List<Long>) phase.get(1);
            System.out.printf(Locale.ROOT, "%-8s %9d %9.2f %9.2f %9.2f %11.2f %11.2f%n", phase.get(0), rtts.size(),
                    percentile(rtts, 0.5), percentile(rtts, 0.99), percentile(rtts, 1.0),
                    percentile(rtts, 0.5) / p50, percentile(rtts, 0.99) / p99);
        }
        System.out.printf(Locale.ROOT, "swap: the renewal took %.0f ms (key generated in the token, EST re-enrollment "
                + "over mutual TLS, atomic write); serial %s -> %s%n", (swapEnd - swapStart) / 1e6,
                before.getSerialNumber().toString(16), renewed.getSerialNumber().toString(16));
        System.out.printf(Locale.ROOT, "connections failed: %d; still open after the renewal: %d/%d%n", failures.get(),
                stillOpen, connections);
        System.out.printf(Locale.ROOT, "next handshakes presenting the new certificate (and echoing): %d/%d%n", presentedNew,
                NEXT_HANDSHAKES);
        boolean ok = failures.get() == 0 && stillOpen == connections && presentedNew == NEXT_HANDSHAKES
                && !during.isEmpty() && !renewed.equals(before);
        return ok ? 0 : 1;
    }

    /** A client connection that, once its handshake is done and while {@code running}, pings every 20 ms. */
    private static Channel pinger(NodeTlsContext client, int port, EventLoopGroup loops,
            ConcurrentLinkedQueue<Echo> echoes, AtomicBoolean running, AtomicInteger failures)
            throws InterruptedException {
        return new Bootstrap().group(loops).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel c) {
                        SslHandler tls = client.newHandler(c.alloc(), null, -1);
                        c.pipeline().addLast(tls);
                        c.pipeline().addLast(new SimpleChannelInboundHandler<ByteBuf>() {
                            @Override
                            public void handlerAdded(ChannelHandlerContext ctx) {
                                tls.handshakeFuture().addListener(f -> {
                                    if (f.isSuccess() && running.get()) {
                                        ping(ctx);
                                    }
                                });
                            }

                            private void ping(ChannelHandlerContext ctx) {
                                ctx.writeAndFlush(Unpooled.buffer(8).writeLong(System.nanoTime()));
                            }

                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                                while (msg.readableBytes() >= 8) {
                                    long sent = msg.readLong();
                                    long now = System.nanoTime();
                                    echoes.add(new Echo(now, now - sent));
                                }
                                if (running.get()) {
                                    ctx.executor().schedule(() -> ping(ctx), PING_INTERVAL_MS, TimeUnit.MILLISECONDS);
                                }
                            }

                            @Override
                            public void channelInactive(ChannelHandlerContext ctx) {
                                if (running.get()) {
                                    failures.incrementAndGet();
                                }
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                failures.incrementAndGet();
                                ctx.close();
                            }
                        });
                    }
                }).connect("127.0.0.1", port).sync().channel();
    }

    private static double percentile(List<Long> rtts, double p) {
        if (rtts.isEmpty()) {
            return Double.NaN;
        }
        List<Long> sorted = new ArrayList<>(rtts);
        Collections.sort(sorted);
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.floor(p * sorted.size()))) / 1e6;
    }
}
