package jp.securetoken.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import jp.securetoken.api.CredentialSource;
import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.SecureToken;
import jp.securetoken.testsupport.InstrumentedKey;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A slow card must not stall a gateway: with the server's token taking 300 ms a signature, an
 * established connection on the same single event loop keeps echoing while 20 handshakes queue
 * at the card. (JDK stack: its SSLEngine signs in delegated tasks, which run on the context's
 * key-operation executor; native stack: BoringSSL's asynchronous private-key method waits for the
 * token's future.)
 */
class EventLoopTest extends LoopbackNodesTest {
    @Override
    int eventLoopThreads() {
        return 1;
    }

    @ParameterizedTest
    @EnumSource(value = TlsStack.class, names = {"JDK", "OPENSSL"})
    void establishedTrafficFlowsWhileHandshakesWaitForASlowCard(TlsStack stack) throws Exception {
        SecureToken gateway = nodes.node("gateway", KeyAlgorithm.EC_P256, pki, i -> i.serverAuth().clientAuth());
        SecureToken clinic = nodes.node("clinic-001", KeyAlgorithm.EC_P256, pki, i -> i.clientAuth());
        InstrumentedKey slowCard = InstrumentedKey.slow(gateway.credential(TestNodes.ALIAS).key(),
                Duration.ofMillis(300));
        Peers.Server server = peers.echoServer(nodes.track(NodeTls.server(
                slowCard.source(gateway.credential(TestNodes.ALIAS))).trustPolicy(trust).stack(stack)
                // 21 handshakes from one address at once are this test's load (ConnectionLimitTest: the defaults)
                .connectionLimits(ConnectionLimits.DEFAULTS.withHandshakesPerSource(100, Duration.ofMinutes(1))
                        .withConcurrentHandshakes(100))
                .build()));

        Peers.Client established = peers.connect(newClient(clinic), server.port());
        established.awaitAuthenticated();
        assertEquals(1, slowCard.signatures());

        List<Peers.Client> waiting = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            waiting.add(peers.connect(newClient(clinic), server.port()));
        }
        for (int i = 0; i < 20; i++) {
            assertEquals("echo " + i, established.echo("echo " + i));
        }
        long finishedHandshakes = waiting.stream().filter(c -> c.outcome.isDone()).count();
        assertTrue(finishedHandshakes <= 5, "20 echoes took as long as " + finishedHandshakes
                + " card signatures: the event loop waited for the card");

        for (Peers.Client c : waiting) {
            c.awaitAuthenticated();
        }
        assertEquals(21, slowCard.signatures());
    }

    private NodeTlsContext newClient(SecureToken clinic) throws Exception {
        return nodes.track(NodeTls.client(CredentialSource.of(clinic, TestNodes.ALIAS)).trustPolicy(trust).build());
    }
}
