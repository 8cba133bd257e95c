package jp.securetoken.tls;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import jp.securetoken.api.CredentialSource;
import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.SecureToken;
import jp.securetoken.testpki.CrlRepository;
import jp.securetoken.testpki.HeldCertificate;
import jp.securetoken.testpki.TestPki;
import jp.securetoken.testsupport.MovableClock;
import jp.securetoken.tls.audit.AuditEvent;
import jp.securetoken.tls.audit.AuditSink;
import jp.securetoken.tls.audit.RevocationSourceAuditor;
import jp.securetoken.tls.trust.CrlCache;
import jp.securetoken.tls.trust.RejectionReason;
import jp.securetoken.tls.trust.Revocation;
import jp.securetoken.tls.trust.TrustPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import jp.securetoken.testsupport.ExternalTool;

/**
 * CRLs that stay fresh on a long-running hard-fail gateway, modelled on the JPKI publication cycle
 * (the MIC notice, 1(3): the revocation list is made every 24 hours and relying parties fetch it
 * from the repository server periodically). Each day's CRL is valid 48 hours (an overlap the notice
 * does not fix; assumed here). A loopback repository serves it at the distribution point named in
 * the clinics' certificates, a movable clock plays the days, and {@code openssl s_client} connects
 * as the clinic for real handshakes.
 */
class CrlRefreshTest extends LoopbackNodesTest {
    private static final String DP = "/jpki/auth.crl";

    /** Day 0's list is made at the top of this hour; the gateway's clock starts two hours later. */
    private final Instant day0 = Instant.now().truncatedTo(ChronoUnit.HOURS);
    private final MovableClock clock = new MovableClock(day0.plus(Duration.ofHours(2)));
    private final List<AuditEvent> audit = new CopyOnWriteArrayList<>();
    private CrlRepository repository;
    private CrlCache cache;

    @BeforeEach
    void startRepository() {
        repository = CrlRepository.start();
    }

    @AfterEach
    void stopRepository() {
        if (cache != null) {
            cache.close();
        }
        repository.close();
    }

    private HeldCertificate clinic(String name) {
        return pki.issue(name).clientAuth().crlDistributionPoint(repository.url(DP).toString()).build();
    }

    /** A hard-fail gateway whose CRLs come from the distribution points in the clinics' certificates. */
    private Peers.Server gateway(Revocation.Mode mode) throws Exception {
        cache = CrlCache.builder().fromCertificates(true).clock(clock).refreshAt(0.5)
                .retryEvery(Duration.ofHours(1)).checkEvery(Duration.ofMillis(20))
                .listener(new RevocationSourceAuditor(collecting(), clock)).build();
        SecureToken gateway = nodes.node("gateway", KeyAlgorithm.EC_P256, pki, i -> i.serverAuth().clientAuth());
        return peers.echoServer(nodes.track(NodeTls.server(CredentialSource.of(gateway, TestNodes.ALIAS))
                .trustPolicy(TrustPolicy.builder().trustAnchors(pki.caCertificate()).clock(clock)
                        .revocation(Revocation.hardFail().withMode(mode).withCrlSource(cache)).build())
                .build()));
    }

    private AuditSink collecting() {
        return new AuditSink() {
            @Override
            public void record(AuditEvent event) {
                audit.add(event);
            }

            @Override
            public void close() {
            }
        };
    }

    /** What the gateway decided about one handshake of {@code openssl s_client} with this certificate. */
    private Object handshake(Peers.Server server, HeldCertificate held) throws Exception {
        Files.writeString(dir.resolve("client.pem"), held.certificatePem());
        Files.writeString(dir.resolve("client.key"), held.privateKeyPem());
        try (ExternalTool c = ExternalTool.openssl(dir, "s_client", "-connect", "127.0.0.1:" + server.port(),
                "-cert", "client.pem", "-key", "client.key", "-quiet")) {
            return server.nextEvent();
        }
    }

    private static void admitted(Object outcome) {
        assertInstanceOf(NodeAuthenticatedEvent.class, outcome, outcome::toString);
    }

    private static void refused(RejectionReason reason, Object outcome) {
        NodeAuthenticationFailedEvent failed = assertInstanceOf(NodeAuthenticationFailedEvent.class, outcome,
                outcome::toString);
        assertEquals(Optional.of(reason), failed.rejection(), failed.message());
    }

    private void awaitHeld(Instant thisUpdate) {
        await().atMost(Duration.ofSeconds(10)).until(() -> cache.status(repository.url(DP))
                .flatMap(CrlCache.Status::thisUpdate).equals(Optional.of(thisUpdate)));
    }

    @Test
    void aHardFailGatewayStaysOpenAcrossDaysRefusesTheNewlyRevokedAndKeepsTheLastGoodCrlUntilItsNextUpdate()
            throws Exception {
        HeldCertificate good = clinic("clinic-001");
        HeldCertificate revokedOnDay1 = clinic("clinic-002");
        repository.publish(DP, pki.crl(day0, day0.plus(Duration.ofHours(48))));
        Peers.Server server = gateway(Revocation.Mode.HARD_FAIL);

        admitted(handshake(server, good));
        admitted(handshake(server, revokedOnDay1));

        // day 1: the CA publishes the next list, which revokes clinic-002; half-way through day 0's
        // list the schedule fetches it
        Instant day1 = day0.plus(Duration.ofHours(24));
        repository.publish(DP, pki.crl(day1, day1.plus(Duration.ofHours(48)), revokedOnDay1.certificate()));
        clock.set(day1.plus(Duration.ofMinutes(5)));
        awaitHeld(day1);
        refused(RejectionReason.REVOKED, handshake(server, revokedOnDay1));

        // past day 0's nextUpdate: the refreshed list keeps the gateway open
        clock.set(day0.plus(Duration.ofHours(49)));
        admitted(handshake(server, good));

        // the repository goes down: refreshes fail, are audited, and day 1's list stays in force
        repository.stop();
        clock.set(day0.plus(Duration.ofHours(60)));
        await().atMost(Duration.ofSeconds(10)).until(() -> audit.stream()
                .anyMatch(e -> e.outcome() == AuditEvent.Outcome.SERIOUS_FAILURE));
        AuditEvent failure = audit.stream().filter(e -> e.outcome() == AuditEvent.Outcome.SERIOUS_FAILURE)
                .findFirst().orElseThrow();
        assertEquals(AuditEvent.Kind.SECURITY_CONFIGURATION, failure.kind());
        assertTrue(failure.detail().contains(repository.url(DP).toString()), failure.detail());
        assertEquals(Optional.of("127.0.0.1"), failure.peerAddress());
        admitted(handshake(server, good));

        // past day 1's nextUpdate with no fresh list: hard-fail cannot tell, so it refuses
        clock.set(day1.plus(Duration.ofHours(48)).plus(Duration.ofMinutes(1)));
        refused(RejectionReason.REVOCATION_UNKNOWN, handshake(server, good));
    }

    @Test
    void aStaleCrlServedAfterANewerOneIsRefusedAndTheRevocationStands() throws Exception {
        HeldCertificate revoked = clinic("clinic-002");
        repository.publish(DP, pki.crl(day0, day0.plus(Duration.ofHours(48)), revoked.certificate()));
        Peers.Server server = gateway(Revocation.Mode.HARD_FAIL);
        refused(RejectionReason.REVOKED, handshake(server, revoked));

        // an attacker on the path (or a stale mirror) replays an older list that does not name clinic-002
        repository.publish(DP, pki.crl(day0.minus(Duration.ofHours(12)), day0.plus(Duration.ofHours(60))));
        clock.set(day0.plus(Duration.ofHours(25)));
        await().atMost(Duration.ofSeconds(10)).until(() -> cache.status(repository.url(DP))
                .flatMap(CrlCache.Status::lastFailure).filter(f -> f.contains("older")).isPresent());
        refused(RejectionReason.REVOKED, handshake(server, revoked));
        assertEquals(Optional.of(day0), cache.status(repository.url(DP)).flatMap(CrlCache.Status::thisUpdate));
    }

    @Test
    void aCrlSignedByAnImpostorCaOfTheSameNameIsNeverTaken() throws Exception {
        HeldCertificate revoked = clinic("clinic-002");
        TestPki impostor = TestPki.create("Regional Network CA");
        assertEquals(pki.caCertificate().getSubjectX500Principal(), impostor.caCertificate().getSubjectX500Principal());
        repository.publish(DP, impostor.crl(day0, day0.plus(Duration.ofHours(48))));
        Peers.Server server = gateway(Revocation.Mode.HARD_FAIL);
        refused(RejectionReason.REVOCATION_UNKNOWN, handshake(server, revoked));

        repository.publish(DP, pki.crl(day0, day0.plus(Duration.ofHours(48)), revoked.certificate()));
        clock.set(day0.plus(Duration.ofHours(4)));
        refused(RejectionReason.REVOKED, handshake(server, revoked));

        // a newer list from the impostor must not replace the genuine one
        repository.publish(DP, impostor.crl(day0.plus(Duration.ofHours(24)), day0.plus(Duration.ofHours(72))));
        clock.set(day0.plus(Duration.ofHours(25)));
        await().atMost(Duration.ofSeconds(10)).until(() -> cache.status(repository.url(DP))
                .flatMap(CrlCache.Status::lastFailure).filter(f -> f.contains("signature")).isPresent());
        refused(RejectionReason.REVOKED, handshake(server, revoked));
        assertTrue(audit.stream().anyMatch(e -> e.detail().contains("signature")), audit::toString);
    }

    @Test
    void softFailAdmitsAPeerOnceTheLastGoodCrlHasExpiredAndTheRepositoryIsDown() throws Exception {
        HeldCertificate good = clinic("clinic-001");
        repository.publish(DP, pki.crl(day0, day0.plus(Duration.ofHours(48))));
        Peers.Server server = gateway(Revocation.Mode.SOFT_FAIL);
        admitted(handshake(server, good));
        repository.stop();
        clock.set(day0.plus(Duration.ofHours(49)));
        admitted(handshake(server, good));
        await().atMost(Duration.ofSeconds(10)).until(() -> cache.status(repository.url(DP))
                .flatMap(CrlCache.Status::lastFailure).isPresent());
    }
}
