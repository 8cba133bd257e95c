package jp.securetoken.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.net.URI;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Optional;
import jp.securetoken.api.CredentialSource;
import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.SecureToken;
import jp.securetoken.testpki.HeldCertificate;
import jp.securetoken.testsupport.MovableClock;
import jp.securetoken.tls.trust.OcspCache;
import jp.securetoken.tls.trust.RejectionReason;
import jp.securetoken.tls.trust.Revocation;
import jp.securetoken.tls.trust.TrustPolicy;
import org.junit.jupiter.api.Test;
import jp.securetoken.testsupport.ExternalTool;

/**
 * The OCSP response cache on a hard-fail gateway: Debian's {@code openssl ocsp} answers (with the
 * nonce the gateway requires, for a day) and is then killed; the cached answers keep deciding until
 * their nextUpdate. {@code openssl s_client} connects as the clinic.
 */
class OcspCacheHandshakeTest extends LoopbackNodesTest {

    private Object handshake(Peers.Server server, HeldCertificate held) throws Exception {
        Files.writeString(dir.resolve("client.pem"), held.certificatePem());
        Files.writeString(dir.resolve("client.key"), held.privateKeyPem());
        try (ExternalTool c = ExternalTool.openssl(dir, "s_client", "-connect", "127.0.0.1:" + server.port(),
                "-cert", "client.pem", "-key", "client.key", "-quiet")) {
            return server.nextEvent();
        }
    }

    private static void refused(RejectionReason reason, Object outcome) {
        NodeAuthenticationFailedEvent failed = assertInstanceOf(NodeAuthenticationFailedEvent.class, outcome,
                outcome::toString);
        assertEquals(Optional.of(reason), failed.rejection(), failed.message());
    }

    @Test
    void cachedAnswersKeepDecidingAfterTheResponderIsKilledUntilTheirNextUpdate() throws Exception {
        HeldCertificate good = pki.issue("clinic-good").clientAuth().build();
        HeldCertificate revoked = pki.issue("clinic-revoked").clientAuth().build();
        Files.writeString(dir.resolve("ca.pem"), pki.ca().certificatePem());
        Files.writeString(dir.resolve("ca.key"), pki.ca().privateKeyPem());
        DateTimeFormatter f = DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").withZone(ZoneOffset.UTC);
        Files.writeString(dir.resolve("index.txt"),
                "R\t" + f.format(revoked.certificate().getNotAfter().toInstant()) + "\t"
                        + f.format(Instant.now().minusSeconds(3600)) + ",keyCompromise\t" + serial(revoked)
                        + "\tunknown\t/CN=clinic-revoked\n"
                        + "V\t" + f.format(good.certificate().getNotAfter().toInstant()) + "\t\t" + serial(good)
                        + "\tunknown\t/CN=clinic-good\n");
        MovableClock clock = new MovableClock(Instant.now());
        int port = ExternalTool.freePort();
        SecureToken gatewayToken = nodes.node("gateway", KeyAlgorithm.EC_P256, pki, i -> i.serverAuth().clientAuth());
        Peers.Server server = peers.echoServer(nodes.track(NodeTls.server(CredentialSource.of(gatewayToken,
                TestNodes.ALIAS)).trustPolicy(TrustPolicy.builder().trustAnchors(pki.caCertificate()).clock(clock)
                .revocation(Revocation.hardFail().withOcspResponder(URI.create("http://127.0.0.1:" + port))
                        .withOcspCache(OcspCache.builder().requireNonce(true).clock(clock).build()))
                .build()).build()));

        try (ExternalTool responder = ExternalTool.openssl(dir, "ocsp", "-index", "index.txt", "-port",
                String.valueOf(port), "-rsigner", "ca.pem", "-rkey", "ca.key", "-CA", "ca.pem", "-ndays", "1")) {
            responder.awaitOutput("waiting for OCSP client connections");
            assertInstanceOf(NodeAuthenticatedEvent.class, handshake(server, good));
            refused(RejectionReason.REVOKED, handshake(server, revoked));
        }
        // the responder is killed: the answers it gave still decide
        clock.advance(Duration.ofHours(23));
        assertInstanceOf(NodeAuthenticatedEvent.class, handshake(server, good));
        refused(RejectionReason.REVOKED, handshake(server, revoked));

        // past their nextUpdate nobody can tell: hard-fail refuses
        clock.advance(Duration.ofHours(2));
        refused(RejectionReason.REVOCATION_UNKNOWN, handshake(server, good));
    }

    private static String serial(HeldCertificate held) {
        String hex = held.certificate().getSerialNumber().toString(16).toUpperCase(Locale.ROOT);
        return hex.length() % 2 == 0 ? hex : "0" + hex;
    }
}
