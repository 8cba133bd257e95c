package jp.securetoken.tls;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import jp.securetoken.api.CredentialSource;
import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.SecureToken;
import jp.securetoken.testsupport.InstrumentedKey;
import org.junit.jupiter.api.Test;

/**
 * Connection limits under attack: strangers cannot make the gateway's slow card sign for them
 * without bound, nor crowd out an authenticated clinic; every refusal is counted.
 */
class ConnectionLimitTest extends LoopbackNodesTest {
    private static final Duration AWAIT = Duration.ofSeconds(20);

    private final List<Channel> strangers = new ArrayList<>();

    @Test
    void aFloodOfAnonymousHandshakesDoesNotStarveAClinicAndCostsBoundedSignatures() throws Exception {
        SecureToken gateway = nodes.node("gateway", KeyAlgorithm.EC_P256, pki, i -> i.serverAuth().clientAuth());
        SecureToken clinic = nodes.node("clinic-007", KeyAlgorithm.EC_P256, pki, i -> i.clientAuth());
        InstrumentedKey slowCard = InstrumentedKey.slow(gateway.credential(TestNodes.ALIAS).key(),
                Duration.ofMillis(300));
        NodeTlsContext server = nodes.track(NodeTls.server(slowCard.source(gateway.credential(TestNodes.ALIAS)))
                .trustPolicy(trust)
                .connectionLimits(ConnectionLimits.DEFAULTS.withHandshakesPerSource(5, Duration.ofMinutes(10)))
                .build());
        Peers.Server echo = peers.echoServer(server);

        SslContext anonymous = SslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE).build();
        try {
            for (int i = 0; i < 40; i++) {
                strangers.add(stranger(anonymous, echo.port()));
            }
            await().atMost(AWAIT).untilAsserted(() -> assertEquals(35, server.limitCounters().refusedBySourceRate()));

            Peers.Client clinicConnection = peers.connect(nodes.track(NodeTls.client(
                    CredentialSource.of(clinic, TestNodes.ALIAS)).trustPolicy(trust).build()), echo.port());
            assertEquals("gateway", clinicConnection.awaitAuthenticated().nodeId());
            assertEquals("still here", clinicConnection.echo("still here"));

            await().atMost(AWAIT).untilAsserted(() -> assertEquals(0, server.limitCounters().handshaking()));
            assertTrue(slowCard.signatures() <= 6, "the card signed " + slowCard.signatures()
                    + " times: more than 5 strangers and the clinic");
            ConnectionLimitCounters counters = server.limitCounters();
            assertEquals(35, counters.refused(), counters::toString);
            assertEquals(1, counters.openConnections(), counters::toString);
            // the refused strangers are counted, not reported as failed authentications (no audit flood)
            List<Object> reported = new ArrayList<>();
            for (Object e; (e = echo.events.poll(200, TimeUnit.MILLISECONDS)) != null; ) {
                reported.add(e);
            }
            assertTrue(reported.size() <= 6, reported.size() + " authentication outcomes reported for 6 handshakes");
            assertTrue(reported.stream().anyMatch(e -> e instanceof NodeAuthenticatedEvent ok
                    && ok.identity().nodeId().equals("clinic-007")), reported::toString);
        } finally {
            strangers.forEach(c -> c.close().awaitUninterruptibly(5, TimeUnit.SECONDS));
        }
    }

    @Test
    void handshakesAtOnceAndOpenConnectionsAreBoundedAndFreedAgain() throws Exception {
        SecureToken gateway = nodes.node("gateway", KeyAlgorithm.EC_P256, pki, i -> i.serverAuth().clientAuth());
        SecureToken clinic = nodes.node("clinic-008", KeyAlgorithm.EC_P256, pki, i -> i.clientAuth());
        NodeTlsContext server = nodes.track(NodeTls.server(CredentialSource.of(gateway, TestNodes.ALIAS))
                .trustPolicy(trust).connectionLimits(ConnectionLimits.DEFAULTS
                        .withHandshakesPerSource(1000, Duration.ofMinutes(10))
                        .withConcurrentHandshakes(2).withConnections(3))
                .build());
        Peers.Server echo = peers.echoServer(server);

        // two silent connections hold both handshake slots; a third is closed without a byte of TLS
        try (Socket silent1 = silent(echo.port()); Socket silent2 = silent(echo.port())) {
            await().atMost(AWAIT).untilAsserted(() -> assertEquals(2, server.limitCounters().handshaking()));
            try (Socket third = silent(echo.port())) {
                third.setSoTimeout((int) AWAIT.toMillis());
                try (InputStream in = third.getInputStream()) {
                    assertEquals(-1, in.read(), "the connection over the handshake limit was not closed");
                }
            }
            assertEquals(1, server.limitCounters().refusedByHandshakes());
        }
        await().atMost(AWAIT).untilAsserted(() -> {
            assertEquals(0, server.limitCounters().handshaking());
            assertEquals(0, server.limitCounters().openConnections());
        });

        // three authenticated clinics fill the connections; a fourth is refused until one leaves
        NodeTlsContext client = nodes.track(NodeTls.client(CredentialSource.of(clinic, TestNodes.ALIAS))
                .trustPolicy(trust).build());
        List<Peers.Client> clinics = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Peers.Client c = peers.connect(client, echo.port());
            c.awaitAuthenticated();
            clinics.add(c);
        }
        assertInstanceOf(NodeAuthenticationFailedEvent.class, peers.connect(client, echo.port()).awaitOutcome());
        assertEquals(1, server.limitCounters().refusedByConnections());
        clinics.get(0).channel.close().sync();
        await().atMost(AWAIT).untilAsserted(() -> assertEquals(2, server.limitCounters().openConnections()));
        peers.connect(client, echo.port()).awaitAuthenticated();
        assertEquals(3, server.limitCounters().openConnections());
    }

    /** An anonymous TLS client from 127.0.0.2 (a stranger without certificate); its handshake starts at once. */
    private Channel stranger(SslContext anonymous, int port) throws InterruptedException {
        return new Bootstrap().group(peers.group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(anonymous.newHandler(ch.alloc()), new ChannelInboundHandlerAdapter() {
                            @Override
                            public void exceptionCaught(io.netty.channel.ChannelHandlerContext ctx, Throwable cause) {
                                ctx.close();
                            }
                        });
                    }
                }).localAddress(new InetSocketAddress("127.0.0.2", 0))
                .connect("127.0.0.1", port).sync().channel();
    }

    /** A TCP connection from 127.0.0.2 that sends nothing. */
    private static Socket silent(int port) throws Exception {
        Socket s = new Socket();
        s.bind(new InetSocketAddress("127.0.0.2", 0));
        s.connect(new InetSocketAddress("127.0.0.1", port), (int) AWAIT.toMillis());
        return s;
    }
}
