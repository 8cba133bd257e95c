package jp.securetoken.tls;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import jp.securetoken.api.CredentialSource;
import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.SecureToken;
import jp.securetoken.testpki.HeldCertificate;
import jp.securetoken.testsupport.InstrumentedKey;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import jp.securetoken.testsupport.ExternalTool;

/** TLS 1.2 renegotiation, started by openssl from either side, is refused on every stack. */
class RenegotiationTest extends LoopbackNodesTest {

    private void writeHeld(String name, HeldCertificate held) throws Exception {
        Files.writeString(dir.resolve(name + ".pem"), held.certificatePem());
        Files.writeString(dir.resolve(name + ".key"), held.privateKeyPem());
    }

    @ParameterizedTest
    @EnumSource(TlsStack.class)
    void aClientAskingToRenegotiateIsCutOffWithoutASecondTokenSignature(TlsStack stack) throws Exception {
        SecureToken gateway = nodes.node("gateway", KeyAlgorithm.EC_P256, pki, i -> i.serverAuth().clientAuth());
        InstrumentedKey card = InstrumentedKey.counting(gateway.credential(TestNodes.ALIAS).key());
        Peers.Server server = peers.echoServer(nodes.track(NodeTls.server(card.source(
                gateway.credential(TestNodes.ALIAS))).trustPolicy(trust).stack(stack).build()));
        writeHeld("client", pki.issue("clinic-reneg").clientAuth().build());
        try (ExternalTool client = ExternalTool.openssl(dir, "s_client", "-connect", "127.0.0.1:" + server.port(),
                "-tls1_2", "-cert", "client.pem", "-key", "client.key")) {
            assertInstanceOf(NodeAuthenticatedEvent.class, server.nextEvent());
            client.send("before\n");
            client.awaitOutput("before");
            assertEquals(1, card.signatures());
            client.send("R\n");
            client.awaitOutput("RENEGOTIATING");
            client.awaitExit();
            assertEquals(1, card.signatures(), "a renegotiation cost a token signature");
            assertNull(server.events.poll(200, TimeUnit.MILLISECONDS), "a second handshake was reported");
        }
    }

    @ParameterizedTest
    @EnumSource(TlsStack.class)
    void aServerAskingToRenegotiateIsCutOff(TlsStack stack) throws Exception {
        writeHeld("server", pki.issue("openssl-gateway").serverAuth().build());
        Files.writeString(dir.resolve("ca.pem"), pki.ca().certificatePem());
        int port = ExternalTool.freePort();
        try (ExternalTool server = ExternalTool.openssl(dir, "s_server", "-accept", "127.0.0.1:" + port,
                "-tls1_2", "-cert", "server.pem", "-key", "server.key", "-CAfile", "ca.pem", "-Verify", "2")) {
            server.awaitOutput("ACCEPT");
            SecureToken clinic = nodes.node("clinic-001", KeyAlgorithm.EC_P256, pki, i -> i.clientAuth());
            InstrumentedKey card = InstrumentedKey.counting(clinic.credential(TestNodes.ALIAS).key());
            Peers.Client client = peers.connect(nodes.track(NodeTls.client(card.source(
                    clinic.credential(TestNodes.ALIAS))).trustPolicy(trust).stack(stack).build()), port);
            client.awaitAuthenticated();
            server.awaitOutput("CIPHER is");
            server.send("R\n");
            await().atMost(Duration.ofSeconds(15)).until(() -> !client.channel.isActive());
            assertEquals(1, card.signatures(), "a renegotiation cost a token signature");
        }
    }
}
