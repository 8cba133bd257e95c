package jp.securetoken.tls;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import jp.securetoken.api.CredentialSource;
import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.SecureToken;
import jp.securetoken.tls.gateway.ForwardingGateway;
import jp.securetoken.tls.trust.PeerPattern;
import jp.securetoken.tls.trust.TrustPolicy;
import jp.securetoken.testsupport.PeerClosedSockets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The regional-network access point: only authenticated, listed clinics reach the internal HTTP service. */
class ForwardingGatewayTest extends LoopbackNodesTest {
    private HttpServer internal;
    private final AtomicInteger requests = new AtomicInteger();
    private ForwardingGateway gateway;

    @BeforeEach
    void startInternalService() throws Exception {
        internal = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
        internal.createContext("/", exchange -> {
            requests.incrementAndGet();
            byte[] body = "hello from the core hospital".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        internal.start();
    }

    @AfterEach
    void stopInternalService() {
        if (gateway != null) {
            gateway.close();
        }
        internal.stop(0);
    }

    private int startGateway() throws Exception {
        startGateway(builder -> builder);
        return gateway.address().getPort();
    }

    private NodeTlsContext startGateway(java.util.function.UnaryOperator<NodeTlsBuilder> more) throws Exception {
        SecureToken token = nodes.node("access-point", KeyAlgorithm.EC_P256, pki, i -> i.serverAuth());
        NodeTlsContext tls = nodes.track(more.apply(NodeTls.server(CredentialSource.of(token, TestNodes.ALIAS))
                .trustPolicy(TrustPolicy.builder().trustAnchors(pki.caCertificate())
                        .allowPeers(PeerPattern.commonName("clinic-*")).build()))
                .build());
        gateway = ForwardingGateway.start(tls, new InetSocketAddress("127.0.0.1", 0), internal.getAddress());
        return tls;
    }

    private Peers.Client connect(String node, int port) throws Exception {
        SecureToken token = nodes.node(node, KeyAlgorithm.EC_P256, pki, i -> i.clientAuth());
        return peers.connect(nodes.track(NodeTls.client(CredentialSource.of(token, TestNodes.ALIAS))
                .trustPolicy(trust).build()), port);
    }

    private static void get(Peers.Client client) {
        client.channel.writeAndFlush(Unpooled.copiedBuffer("GET /records HTTP/1.0\r\nHost: core\r\n\r\n",
                StandardCharsets.US_ASCII));
    }

    @Test
    void aListedClinicReachesTheInternalService() throws Exception {
        int port = startGateway();
        Peers.Client clinic = connect("clinic-001", port);
        assertEquals("access-point", clinic.awaitAuthenticated().nodeId());

        get(clinic);
        StringBuilder response = new StringBuilder();
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            String part = clinic.received.poll();
            if (part != null) {
                response.append(part);
            }
            return response.toString().contains("hello from the core hospital");
        });
        assertTrue(response.toString().startsWith("HTTP/1.1 200"), response.toString());
        assertEquals(1, requests.get());
    }

    @Test
    void anUnlistedNodeNeverReachesTheInternalService() throws Exception {
        int port = startGateway();
        Peers.Client lab = connect("lab-007", port);
        lab.awaitOutcome();
        get(lab);

        await().atMost(Duration.ofSeconds(20)).until(() -> !lab.channel.isActive());
        assertEquals(0, requests.get());
        assertTrue(lab.received.isEmpty());
    }

    @Test
    void theGatewayHasConnectionLimitsByDefaultAndClosesConnectionsOverThem() throws Exception {
        assertEquals(java.util.Optional.of(ConnectionLimits.DEFAULTS), startGateway(b -> b).connectionLimits());
        gateway.close();
        NodeTlsContext tls = startGateway(b -> b.connectionLimits(
                ConnectionLimits.DEFAULTS.withHandshakesPerSource(2, Duration.ofMinutes(10))));
        int port = gateway.address().getPort();
        try (java.net.Socket first = new java.net.Socket("127.0.0.1", port);
                java.net.Socket second = new java.net.Socket("127.0.0.1", port);
                java.net.Socket third = new java.net.Socket("127.0.0.1", port)) {
            // the three reach the event loops in an order of their own: exactly one of them is closed
            PeerClosedSockets.awaitExactlyOneClosed(Duration.ofSeconds(20), first, second, third);
            assertEquals(1, tls.limitCounters().refusedBySourceRate());
        }
        assertEquals(0, requests.get());
    }
}
