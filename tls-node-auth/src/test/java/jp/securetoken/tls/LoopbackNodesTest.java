package jp.securetoken.tls;

import java.nio.file.Path;
import jp.securetoken.testpki.TestPki;
import jp.securetoken.tls.trust.TrustPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every TLS test stands on: a regional test CA, a trust policy that trusts it, soft-token
 * nodes in a temporary directory, and loopback peers; all closed after each test.
 */
abstract class LoopbackNodesTest {
    @TempDir
    Path dir;

    final TestPki pki = TestPki.create("Regional Network CA");
    final TrustPolicy trust = TrustPolicy.builder().trustAnchors(pki.caCertificate()).build();
    Peers peers;
    TestNodes nodes;

    /** Event-loop threads shared by the test's servers and clients. */
    int eventLoopThreads() {
        return 2;
    }

    @BeforeEach
    void startNodes() {
        peers = new Peers(eventLoopThreads());
        nodes = new TestNodes(dir);
    }

    @AfterEach
    void stopNodes() {
        peers.close();
        nodes.close();
    }
}
