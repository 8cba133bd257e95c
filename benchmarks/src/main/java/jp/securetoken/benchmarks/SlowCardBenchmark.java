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
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import jp.securetoken.api.Credential;
import jp.securetoken.api.CredentialSource;
import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.SecureToken;
import jp.securetoken.testpki.TestPki;
import jp.securetoken.testsupport.InstrumentedKey;
import jp.securetoken.tls.NodeTls;
import jp.securetoken.tls.NodeTlsContext;
import jp.securetoken.tls.SessionTicketKeys;
import jp.securetoken.tls.TlsStack;
import jp.securetoken.tls.trust.TrustPolicy;

/**
 * The slow-card scenario: a gateway whose token takes 300 ms a signature. (1) While 20 full
 * handshakes queue at the card, how long do echoes on already established connections, served by
 * the same single event loop, take (p50, p99, max)? (2) How many card signatures do 1000
 * reconnects of one client cost when sessions are resumed?
 */
public final class SlowCardBenchmark {
    private static final Duration CARD_TIME = Duration.ofMillis(300);

    private SlowCardBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int reconnects = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        Path dir = Files.createTempDirectory("securetoken-slowcard");
        TestPki pki = TestPki.create("Benchmark CA");
        TrustPolicy trust = TrustPolicy.builder().trustAnchors(pki.caCertificate()).build();
        SecureToken gatewayToken = BenchTokens.node(dir, "gateway", KeyAlgorithm.EC_P256, pki);
        SecureToken gatewayRsa = BenchTokens.node(dir, "gateway-rsa", KeyAlgorithm.RSA_2048, pki);
        SecureToken clinicToken = BenchTokens.node(dir, "clinic", KeyAlgorithm.EC_P256, pki);
        SecureToken clinicRsa = BenchTokens.node(dir, "clinic-rsa", KeyAlgorithm.RSA_2048, pki);
        EventLoopGroup serverLoop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        EventLoopGroup clientLoops = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        try {
            System.out.printf(Locale.ROOT, "Slow card (%d ms a signature), gateway on one event loop%n", CARD_TIME.toMillis());
            System.out.printf(Locale.ROOT, "%-8s %10s %10s %10s %10s %12s%n", "stack", "echoes", "p50 ms", "p99 ms",
                    "max ms", "handshakes");
            for (TlsStack stack : TlsStack.values()) {
                InstrumentedKey slow = InstrumentedKey.slow(gatewayToken.credential(BenchTokens.ALIAS).key(), CARD_TIME);
                try (NodeTlsContext server = NodeTls.server(slow.source(gatewayToken.credential(BenchTokens.ALIAS)))
                        .trustPolicy(trust).connectionLimits(BenchTokens.LOAD).stack(stack).build()) {
                    echoLatencyWhileHandshakesQueue(stack, server, clinicToken, trust, serverLoop, clientLoops);
                }
            }
            System.out.printf(Locale.ROOT, "%nCard signatures over %d reconnects of one client (session resumption)%n",
                    reconnects);
            System.out.printf(Locale.ROOT, "%-8s %-8s %10s %10s%n", "stack", "protocol", "gateway", "clinic");
            for (TlsStack stack : TlsStack.values()) {
                signaturesOverReconnects(stack, false, gatewayToken, clinicToken, trust, reconnects, serverLoop, clientLoops);
            }
            signaturesOverReconnects(TlsStack.BCJSSE, true, gatewayRsa, clinicRsa, trust, reconnects, serverLoop,
                    clientLoops);
            System.out.printf(Locale.ROOT, "%nCard signatures over %d reconnects alternating between two gateway"
                    + " instances (native stack, shared ticket keys)%n", reconnects);
            System.out.printf(Locale.ROOT, "%-8s %-8s %10s %10s %10s%n", "client", "protocol", "gateway A", "gateway B",
                    "clinic");
            Path ticketKeys = Files.createDirectory(dir.resolve("ticket-keys"));
            byte[] key = new byte[SessionTicketKeys.KEY_FILE_SIZE];
            new java.security.SecureRandom().nextBytes(key);
            // readable by its owner only, as a fleet's key files must be (SessionTicketKeys warns otherwise)
            Files.write(Files.createFile(ticketKeys.resolve("fleet.key"), java.nio.file.attribute.PosixFilePermissions
                    .asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"))), key);
            for (TlsStack clientStack : List.of(TlsStack.JDK, TlsStack.OPENSSL)) {
                signaturesAcrossTwoInstances(clientStack, gatewayToken, clinicToken, trust, ticketKeys, reconnects,
                        serverLoop, clientLoops);
            }
        } finally {
            serverLoop.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
            clientLoops.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private static void echoLatencyWhileHandshakesQueue(TlsStack stack, NodeTlsContext server, SecureToken clinic,
            TrustPolicy trust, EventLoopGroup serverLoop, EventLoopGroup clientLoops) throws Exception {
        Channel listener = SoakPeers.echoServer(server, serverLoop);
        int port = ((InetSocketAddress) listener.localAddress()).getPort();
        try (NodeTlsContext client = NodeTls.client(CredentialSource.of(clinic, BenchTokens.ALIAS)).trustPolicy(trust)
                .stack(stack).build()) {
            List<Connection> established = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Connection c = Connection.open(client, port, clientLoops, false);
                c.handshake();
                established.add(c);
            }
            List<Connection> queued = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                queued.add(Connection.open(client, port, clientLoops, false));
            }
            List<Double> rtts = new ArrayList<>();
            while (queued.stream().anyMatch(c -> !c.handshakeDone())) {
                for (Connection c : established) {
                    rtts.add(c.echoMillis());
                }
            }
            long ok = queued.stream().filter(Connection::handshakeSucceeded).count();
            Collections.sort(rtts);
            System.out.printf(Locale.ROOT, "%-8s %10d %10.2f %10.2f %10.2f %9d/20%n", stack, rtts.size(),
                    percentile(rtts, 0.50), percentile(rtts, 0.99), rtts.get(rtts.size() - 1), ok);
            established.forEach(Connection::close);
            queued.forEach(Connection::close);
        } finally {
            listener.close().sync();
        }
    }

    private static void signaturesOverReconnects(TlsStack stack, boolean pkcs1Only, SecureToken gateway,
            SecureToken clinic, TrustPolicy trust, int reconnects, EventLoopGroup serverLoop, EventLoopGroup clientLoops)
            throws Exception {
        Credential gatewayCredential = gateway.credential(BenchTokens.ALIAS);
        Credential clinicCredential = clinic.credential(BenchTokens.ALIAS);
        InstrumentedKey gatewayKey = pkcs1Only ? InstrumentedKey.pkcs1Only(gatewayCredential.key())
                : InstrumentedKey.counting(gatewayCredential.key());
        InstrumentedKey clinicKey = pkcs1Only ? InstrumentedKey.pkcs1Only(clinicCredential.key())
                : InstrumentedKey.counting(clinicCredential.key());
        try (NodeTlsContext server = NodeTls.server(gatewayKey.source(gatewayCredential)).trustPolicy(trust)
                .connectionLimits(BenchTokens.LOAD).stack(stack)
                .build();
                NodeTlsContext client = NodeTls.client(clinicKey.source(clinicCredential)).trustPolicy(trust)
                        .stack(stack).build()) {
            Channel listener = SoakPeers.echoServer(server, serverLoop);
            int port = ((InetSocketAddress) listener.localAddress()).getPort();
            String protocol = "";
            for (int i = 0; i < reconnects; i++) {
                Connection c = Connection.open(client, port, clientLoops, true);
                protocol = c.handshake();
                c.echoMillis();
                c.close();
            }
            listener.close().sync();
            System.out.printf(Locale.ROOT, "%-8s %-8s %10d %10d%n", stack, protocol, gatewayKey.signatures(),
                    clinicKey.signatures());
        }
    }

    private static void signaturesAcrossTwoInstances(TlsStack clientStack, SecureToken gateway, SecureToken clinic,
            TrustPolicy trust, Path ticketKeys, int reconnects, EventLoopGroup serverLoop, EventLoopGroup clientLoops)
            throws Exception {
        Credential gatewayCredential = gateway.credential(BenchTokens.ALIAS);
        Credential clinicCredential = clinic.credential(BenchTokens.ALIAS);
        InstrumentedKey keyA = InstrumentedKey.counting(gatewayCredential.key());
        InstrumentedKey keyB = InstrumentedKey.counting(gatewayCredential.key());
        InstrumentedKey clinicKey = InstrumentedKey.counting(clinicCredential.key());
        SessionTicketKeys keys = SessionTicketKeys.from(ticketKeys, Duration.ofHours(1), Duration.ofHours(1));
        try (NodeTlsContext a = NodeTls.server(keyA.source(gatewayCredential)).trustPolicy(trust)
                .connectionLimits(BenchTokens.LOAD)
                .stack(TlsStack.OPENSSL).sessionTicketKeys(keys).build();
                NodeTlsContext b = NodeTls.server(keyB.source(gatewayCredential)).trustPolicy(trust)
                        .connectionLimits(BenchTokens.LOAD)
                        .stack(TlsStack.OPENSSL).sessionTicketKeys(keys).build();
                NodeTlsContext client = NodeTls.client(clinicKey.source(clinicCredential)).trustPolicy(trust)
                        .stack(clientStack).build()) {
            Channel listenerA = SoakPeers.echoServer(a, serverLoop);
            Channel listenerB = SoakPeers.echoServer(b, serverLoop);
            int[] ports = {((InetSocketAddress) listenerA.localAddress()).getPort(),
                ((InetSocketAddress) listenerB.localAddress()).getPort()};
            String protocol = "";
            for (int i = 0; i < reconnects; i++) {
                Connection c = Connection.open(client, ports[i % 2], clientLoops, true, "gateway.fleet.example", 443);
                protocol = c.handshake();
                c.echoMillis();
                c.close();
            }
            listenerA.close().sync();
            listenerB.close().sync();
            System.out.printf(Locale.ROOT, "%-8s %-8s %10d %10d %10d%n", clientStack, protocol, keyA.signatures(),
                    keyB.signatures(), clinicKey.signatures());
        }
    }

    private static double percentile(List<Double> sorted, double p) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.floor(p * sorted.size())));
    }

    /** One client connection that echoes 8-byte pings. */
    private static final class Connection {
        private final Channel channel;
        private final BlockingQueue<Long> echoes;

        private Connection(Channel channel, BlockingQueue<Long> echoes) {
            this.channel = channel;
            this.echoes = echoes;
        }

        static Connection open(NodeTlsContext context, int port, EventLoopGroup loops, boolean resumable)
                throws InterruptedException {
            return open(context, port, loops, resumable, "127.0.0.1", port);
        }

        /** As above; a resumable client files its session under {@code peerHost:peerPort} (a fleet's one name). */
        static Connection open(NodeTlsContext context, int port, EventLoopGroup loops, boolean resumable,
                String peerHost, int peerPort) throws InterruptedException {
            BlockingQueue<Long> queue = new LinkedBlockingQueue<>();
            Channel ch = new Bootstrap().group(loops).channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel c) {
                            if (resumable) {
                                context.addTo(c, peerHost, peerPort);
                            } else {
                                c.pipeline().addLast(context.newHandler(c.alloc(), null, -1));
                            }
                            c.pipeline().addLast(new SimpleChannelInboundHandler<ByteBuf>() {
                                @Override
                                protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                                    while (msg.readableBytes() >= 8) {
                                        queue.add(msg.readLong());
                                    }
                                }
                            });
                        }
                    }).connect("127.0.0.1", port).sync().channel();
            return new Connection(ch, queue);
        }

        SslHandler tls() {
            return channel.pipeline().get(SslHandler.class);
        }

        String handshake() throws InterruptedException {
            if (!tls().handshakeFuture().await(60, TimeUnit.SECONDS) || !tls().handshakeFuture().isSuccess()) {
                throw new IllegalStateException("handshake failed", tls().handshakeFuture().cause());
            }
            return tls().engine().getSession().getProtocol();
        }

        boolean handshakeDone() {
            return tls().handshakeFuture().isDone();
        }

        boolean handshakeSucceeded() {
            return tls().handshakeFuture().isSuccess();
        }

        double echoMillis() throws InterruptedException {
            long sent = System.nanoTime();
            channel.writeAndFlush(Unpooled.buffer(8).writeLong(sent));
            Long back = echoes.poll(60, TimeUnit.SECONDS);
            if (back == null) {
                throw new IllegalStateException("no echo within 60 s");
            }
            return (System.nanoTime() - back) / 1e6;
        }

        void close() {
            channel.close().syncUninterruptibly();
        }
    }
}
