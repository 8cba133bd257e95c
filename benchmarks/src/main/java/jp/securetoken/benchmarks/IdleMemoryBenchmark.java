package jp.securetoken.benchmarks;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import jp.securetoken.api.CredentialSource;
import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.SecureToken;
import jp.securetoken.testpki.TestPki;
import jp.securetoken.tls.NodeTls;
import jp.securetoken.tls.NodeTlsContext;
import jp.securetoken.tls.TlsStack;
import jp.securetoken.tls.trust.TrustPolicy;

/**
 * Memory per idle established connection: opens {@code n} mutual-TLS connections (default 1000) to
 * a gateway on each stack, all from JDK-stack clients in the same process, lets them sit idle, and
 * prints the growth of the Java heap (after GC) and of the process's resident set (which also counts
 * BoringSSL's native memory) divided by {@code n}. Both ends are in this process; the clients are the
 * same for every stack, so the differences between rows are the gateway's.
 */
public final class IdleMemoryBenchmark {
    private IdleMemoryBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        Path dir = Files.createTempDirectory("securetoken-memory");
        TestPki pki = TestPki.create("Benchmark CA");
        TrustPolicy trust = TrustPolicy.builder().trustAnchors(pki.caCertificate()).build();
        SecureToken gateway = BenchTokens.node(dir, "gateway", KeyAlgorithm.EC_P256, pki);
        SecureToken clinic = BenchTokens.node(dir, "clinic", KeyAlgorithm.EC_P256, pki);
        EventLoopGroup loops = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        System.out.printf(Locale.ROOT, "Memory per idle established connection, %d connections, EC P-256%n", n);
        System.out.printf(Locale.ROOT, "%-8s %14s %14s%n", "gateway", "heap KiB/conn", "RSS KiB/conn");
        try (NodeTlsContext client = NodeTls.client(CredentialSource.of(clinic, BenchTokens.ALIAS)).trustPolicy(trust)
                .build()) {
            for (TlsStack stack : TlsStack.values()) {
                try (NodeTlsContext server = NodeTls.server(CredentialSource.of(gateway, BenchTokens.ALIAS))
                        .trustPolicy(trust).connectionLimits(BenchTokens.LOAD).stack(stack).build()) {
                    measure(stack, server, client, loops, n);
                }
            }
        } finally {
            loops.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private static void measure(TlsStack stack, NodeTlsContext server, NodeTlsContext client, EventLoopGroup loops,
            int n) throws Exception {
        Channel listener = new ServerBootstrap().group(loops).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        server.addTo(ch);
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter());
                    }
                }).bind("127.0.0.1", 0).sync().channel();
        int port = ((InetSocketAddress) listener.localAddress()).getPort();
        // warm up: one connection, so that class loading and context set-up are not counted
        open(client, loops, port).close().sync();
        long heapBefore = heapAfterGc();
        long rssBefore = rssKiB();
        List<Channel> open = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            open.add(open(client, loops, port));
        }
        long heapAfter = heapAfterGc();
        long rssAfter = rssKiB();
        System.out.printf(Locale.ROOT, "%-8s %14.1f %14.1f%n", stack, (heapAfter - heapBefore) / 1024.0 / n,
                (rssAfter - rssBefore) / (double) n);
        for (Channel c : open) {
            c.close();
        }
        for (Channel c : open) {
            c.closeFuture().sync();
        }
        listener.close().sync();
    }

    private static Channel open(NodeTlsContext client, EventLoopGroup loops, int port) throws Exception {
        Channel ch = new Bootstrap().group(loops).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel c) {
                        c.pipeline().addLast(client.newHandler(c.alloc(), null, -1));
                    }
                }).connect("127.0.0.1", port).sync().channel();
        SslHandler tls = ch.pipeline().get(SslHandler.class);
        if (!tls.handshakeFuture().await(60, TimeUnit.SECONDS) || !tls.handshakeFuture().isSuccess()) {
            throw new IllegalStateException("handshake failed", tls.handshakeFuture().cause());
        }
        return ch;
    }

    private static long heapAfterGc() throws InterruptedException {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return rt.totalMemory() - rt.freeMemory();
    }

    private static long rssKiB() throws java.io.IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }
}
