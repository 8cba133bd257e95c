package jp.securetoken.benchmarks;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import jp.securetoken.api.CredentialSource;
import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.SecureToken;
import jp.securetoken.testpki.HeldCertificate;
import jp.securetoken.testpki.TestPki;
import jp.securetoken.tls.NodeTls;
import jp.securetoken.tls.NodeTlsContext;
import jp.securetoken.tls.TlsStack;
import jp.securetoken.tls.trust.NodeTrustManager;
import jp.securetoken.tls.trust.TrustPolicy;
import org.bouncycastle.jsse.provider.BouncyCastleJsseProvider;

/**
 * Full mutual-TLS handshakes per second on loopback: a server whose key is in a software token
 * against the same server with a plain in-memory key of the same type, in the same run, rounds
 * alternating, for RSA-2048 and ECDSA P-256 on JSSE and BCJSSE. Prints each rate and the ratio
 * token / plain, after a 2 s warm-up of each. Both servers use the same trust manager, protocols, suites and delegated-task
 * executor; the clients (plain keys, no resumption) are the same for both.
 *
 * <p>Arguments: {@code [seconds-per-round] [rounds] [concurrency]}, default {@code 4 3 8}.
 */
public final class HandshakeBenchmark {
    private HandshakeBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 4;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int concurrency = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        Path dir = Files.createTempDirectory("securetoken-bench");
        TestPki pki = TestPki.create("Benchmark CA");
        TrustPolicy trust = TrustPolicy.builder().trustAnchors(pki.caCertificate()).build();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        ExecutorService keyOps = Executors.newFixedThreadPool(4);
        System.out.printf(Locale.ROOT, "Full mutual-TLS handshakes/s on loopback, %d s x %d rounds, %d concurrent clients, %d cores%n",
                seconds, rounds, concurrency, Runtime.getRuntime().availableProcessors());
        System.out.printf(Locale.ROOT, "%-8s %-9s %-8s %12s %12s %8s%n", "stack", "key", "protocol", "plain/s", "token/s",
                "ratio");
        try {
            int n = 0;
            for (TlsStack stack : TlsStack.values()) {
                for (KeyAlgorithm algorithm : List.of(KeyAlgorithm.RSA_2048, KeyAlgorithm.EC_P256)) {
                    SecureToken token = BenchTokens.node(dir, "gateway-" + (n++), algorithm, pki);
                    try (NodeTlsContext tokenServer = NodeTls.server(CredentialSource.of(token, BenchTokens.ALIAS))
                            .trustPolicy(trust).connectionLimits(BenchTokens.LOAD).stack(stack).keyOperationExecutor(keyOps).build()) {
                        HeldCertificate plainKey = pki.issue("gateway-plain").serverAuth().clientAuth()
                                .keyPair(algorithm == KeyAlgorithm.EC_P256 ? TestPki.Keys.ecP256()
                                        : TestPki.Keys.rsa(2048)).build();
                        SslContext plainServer = plainServer(plainKey, trust, tokenServer, stack);
                        SslContext client = client(pki, trust, stack);
                        java.util.function.Consumer<SocketChannel> plainPipeline =
                                ch -> ch.pipeline().addLast(plainServer.newHandler(ch.alloc(), keyOps));
                        java.util.function.Consumer<SocketChannel> tokenPipeline =
                                ch -> ch.pipeline().addLast(tokenServer.newHandler(ch.alloc(), null, -1));
                        rate(group, plainPipeline, client, keyOps, 2, concurrency);
                        rate(group, tokenPipeline, client, keyOps, 2, concurrency);
                        double[] plain = new double[rounds];
                        double[] viaToken = new double[rounds];
                        for (int r = 0; r < rounds; r++) {
                            plain[r] = rate(group, plainPipeline, client, keyOps, seconds, concurrency);
                            viaToken[r] = rate(group, tokenPipeline, client, keyOps, seconds, concurrency);
                        }
                        double p = median(plain);
                        double t = median(viaToken);
                        System.out.printf(Locale.ROOT, "%-8s %-9s %-8s %12.1f %12.1f %8.3f%n", stack, algorithm,
                                tokenServer.protocols().get(0), p, t, t / p);
                    } finally {
                        token.close();
                    }
                }
            }
        } finally {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
            keyOps.shutdown();
        }
    }

    /**
     * A key manager over an in-memory key: the JDK's default algorithm (what Netty uses for a plain
     * key), or BCJSSE's own (it names key types its own way).
     */
    private static KeyManagerFactory plainKeyManagers(HeldCertificate held, TlsStack stack) throws Exception {
        char[] password = "bench".toCharArray();
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("key", held.keyPair().getPrivate(), password, held.chain().toArray(new X509Certificate[0]));
        KeyManagerFactory kmf = stack == TlsStack.BCJSSE
                ? KeyManagerFactory.getInstance("PKIX", new BouncyCastleJsseProvider())
                : KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, password);
        return kmf;
    }

    private static SslContext plainServer(HeldCertificate key, TrustPolicy trust, NodeTlsContext like, TlsStack stack)
            throws Exception {
        SslContextBuilder b = SslContextBuilder.forServer(plainKeyManagers(key, stack))
                .sslProvider(like.stack() == TlsStack.OPENSSL ? SslProvider.OPENSSL : SslProvider.JDK)
                .trustManager(new NodeTrustManager(trust, NodeTrustManager.PeerRole.CLIENT))
                .clientAuth(ClientAuth.REQUIRE)
                .protocols(like.protocols())
                .ciphers(like.cipherSuites());
        if (stack == TlsStack.BCJSSE) {
            b.sslContextProvider(new BouncyCastleJsseProvider());
        }
        return b.build();
    }

    private static SslContext client(TestPki pki, TrustPolicy trust, TlsStack stack) throws Exception {
        HeldCertificate clinic = pki.issue("clinic-bench").clientAuth().build();
        SslContextBuilder b = SslContextBuilder.forClient().sslProvider(SslProvider.JDK)
                .keyManager(plainKeyManagers(clinic, stack))
                .trustManager(new NodeTrustManager(trust, NodeTrustManager.PeerRole.SERVER))
                .endpointIdentificationAlgorithm(null);
        if (stack == TlsStack.BCJSSE) {
            b.sslContextProvider(new BouncyCastleJsseProvider());
        }
        return b.build();
    }

    /** Completed full handshakes per second for {@code seconds}, with {@code concurrency} clients looping. */
    private static double rate(EventLoopGroup group, java.util.function.Consumer<SocketChannel> serverPipeline,
            SslContext client, ExecutorService keyOps, int seconds, int concurrency) throws InterruptedException {
        Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        serverPipeline.accept(ch);
                    }
                }).bind("127.0.0.1", 0).sync().channel();
        int port = ((InetSocketAddress) server.localAddress()).getPort();
        AtomicLong done = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        CountDownLatch finished = new CountDownLatch(concurrency);
        long start = System.nanoTime();
        for (int i = 0; i < concurrency; i++) {
            startDaemon(() -> {
                try {
                    while (System.nanoTime() < deadline) {
                        Channel ch = new Bootstrap().group(group).channel(NioSocketChannel.class)
                                .handler(new ChannelInitializer<SocketChannel>() {
                                    @Override
                                    protected void initChannel(SocketChannel c) {
                                        c.pipeline().addLast(client.newHandler(c.alloc(), keyOps));
                                    }
                                }).connect("127.0.0.1", port).sync().channel();
                        boolean ok = ch.pipeline().get(SslHandler.class).handshakeFuture().await(30, TimeUnit.SECONDS)
                                && ch.pipeline().get(SslHandler.class).handshakeFuture().isSuccess();
                        (ok ? done : failed).incrementAndGet();
                        ch.close().sync();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    finished.countDown();
                }
            });
        }
        finished.await();
        double elapsed = (System.nanoTime() - start) / 1e9;
        server.close().sync();
        if (failed.get() > 0) {
            System.out.printf(Locale.ROOT, "  (%d handshakes failed)%n", failed.get());
        }
        return done.get() / elapsed;
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v[v.length / 2];
    }

    private static void startDaemon(Runnable r) {
        Thread t = new Thread(r, "bench-client");
        t.setDaemon(true);
        t.start();
    }
}
