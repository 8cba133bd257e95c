package jp.securetoken.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.Channel;
import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLSocket;

import jp.securetoken.api.CredentialSource;
import jp.securetoken.api.SecureToken;
import jp.securetoken.lifecycle.issuer.EstServer;
import jp.securetoken.lifecycle.node.CredentialRenewer;
import jp.securetoken.tls.NodeTls;
import jp.securetoken.tls.NodeTlsContext;
import jp.securetoken.tls.audit.AuditEvent;
import jp.securetoken.tls.audit.AuditSink;
import jp.securetoken.tls.trust.TrustPolicy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The renewer attached to a NodeTls server renews against the real EST server on loopback: at its
 * point of the lifetime, with open connections carrying on; after backoff when the server is down;
 * after the server's Retry-After when its CA token is away. Time is the test's: a movable clock and
 * a scheduler the test steps.
 */
class CredentialRenewerTest extends WithIssuingServer {
    static LoopbackEcho peers;

    @BeforeAll
    static void startLoop() {
        peers = new LoopbackEcho();
    }

    @AfterAll
    static void stopLoop() {
        peers.close();
    }

    /** Collects audit events. */
    private static final class Recorded implements AuditSink {
        final List<AuditEvent> events = new CopyOnWriteArrayList<>();

        @Override
        public void record(AuditEvent event) {
            events.add(event);
        }

        @Override
        public void close() {
        }

        AuditEvent last() {
            return events.get(events.size() - 1);
        }
    }

    private static String echo(SSLSocket socket, String text) throws Exception {
        byte[] out = text.getBytes(StandardCharsets.US_ASCII);
        OutputStream o = socket.getOutputStream();
        o.write(out);
        o.flush();
        byte[] in = new byte[out.length];
        new DataInputStream(socket.getInputStream()).readFully(in);
        return new String(in, StandardCharsets.US_ASCII);
    }

    private static X509Certificate presented(SSLSocket socket) throws Exception {
        return (X509Certificate) socket.getSession().getPeerCertificates()[0];
    }

    @Test
    void renewsAtTwoThirdsWhileAnOpenConnectionKeepsEchoingAndTheNextHandshakePresentsTheNewCertificate()
            throws Exception {
        IssuerFixture.MovableClock clock = new IssuerFixture.MovableClock();
        StepScheduler steps = new StepScheduler(clock);
        Recorded audit = new Recorded();
        try (SecureToken gateway = enrolled("gateway-a"); SecureToken clinic = enrolled("clinic-a");
                CredentialRenewer renewer = CredentialRenewer.builder(gateway, "node").clock(clock).scheduler(steps)
                        .audit(audit).start();
                NodeTlsContext serverTls = NodeTls.server(renewer.source())
                        .trustPolicy(TrustPolicy.builder().trustAnchors(anchor).build()).build()) {
            X509Certificate before = gateway.credential("node").certificate();
            Instant from = before.getNotBefore().toInstant();
            long lifetime = Duration.between(from, before.getNotAfter().toInstant()).toMillis();
            Instant renewAt = clock.instant().plus(steps.lastDelay());
            double fraction = Duration.between(from, renewAt).toMillis() / (double) lifetime;
            assertTrue(fraction >= 2.0 / 3 - 0.05 - 1e-6 && fraction <= 2.0 / 3 + 0.05 + 1e-6,
                    "renewal at " + fraction + " of the lifetime, not two thirds ± the jitter");
            assertEquals(renewAt, renewer.nextAttempt().orElseThrow());

            Channel listener = peers.echoServer(serverTls);
            int port = ((InetSocketAddress) listener.localAddress()).getPort();
            var clientTls = NodeTls.client(CredentialSource.of(clinic, "node"))
                    .trustPolicy(TrustPolicy.builder().trustAnchors(anchor).build());
            try (SSLSocket open = clientTls.buildJsse().connect("127.0.0.1", port, Duration.ofSeconds(10))) {
                assertEquals(before, presented(open));
                assertEquals("ping-1", echo(open, "ping-1"));

                steps.runNext(); // the renewal point has come

                X509Certificate after = gateway.credential("node").certificate();
                assertNotEquals(before.getSerialNumber(), after.getSerialNumber());
                assertNotEquals(before.getPublicKey(), after.getPublicKey(), "a new key pair by default");
                assertEquals(before.getSubjectX500Principal(), after.getSubjectX500Principal());
                assertEquals("ping-2", echo(open, "ping-2"), "the open connection carries on across the swap");
                try (SSLSocket next = clientTls.buildJsse().connect("127.0.0.1", port, Duration.ofSeconds(10))) {
                    assertEquals(after, presented(next), "the next handshake presents the new certificate");
                    assertEquals("ping-3", echo(next, "ping-3"));
                }
                assertEquals("ping-4", echo(open, "ping-4"));

                AuditEvent renewed = audit.last();
                assertEquals(AuditEvent.Kind.SECURITY_CONFIGURATION, renewed.kind());
                assertEquals(AuditEvent.Outcome.SUCCESS, renewed.outcome());
                assertTrue(renewed.detail().contains(after.getSerialNumber().toString(16)), renewed.detail());
                assertEquals(1, steps.size(), "the next renewal is scheduled from the new certificate");
            } finally {
                listener.close().sync();
            }
        }
    }

    @Test
    void aServerThatIsDownIsRetriedWithBackoffUntilItAnswers() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        IssuerFixture.MovableClock clock = new IssuerFixture.MovableClock();
        StepScheduler steps = new StepScheduler(clock);
        Recorded audit = new Recorded();
        try (SecureToken node = enrolled("clinic-b");
                CredentialRenewer renewer = CredentialRenewer.builder(node, "node").est(URI.create("https://127.0.0.1:"
                        + port)).clock(clock).scheduler(steps).jitter(0).random(() -> 0L)
                        .backoff(Duration.ofSeconds(10), Duration.ofMinutes(5)).audit(audit).start()) {
            X509Certificate before = node.credential("node").certificate();
            steps.runNow();
            assertEquals(Duration.ofSeconds(10), steps.lastDelay(), "first retry after the initial backoff");
            assertEquals(AuditEvent.Outcome.MINOR_FAILURE, audit.last().outcome());
            assertTrue(audit.last().detail().contains("attempt 1"), audit.last().detail());
            steps.runNow();
            assertEquals(Duration.ofSeconds(20), steps.lastDelay(), "doubled after the second failure");
            steps.runNow();
            assertEquals(Duration.ofSeconds(40), steps.lastDelay());
            assertEquals(before, node.credential("node").certificate(), "the old credential serves meanwhile");

            try (EstServer back = EstServer.builder(caToken, state).connectionLimits(IssuerFixture.LOOPBACK).bind("127.0.0.1", port).start()) {
                steps.runNow();
            }
            X509Certificate after = node.credential("node").certificate();
            assertNotEquals(before.getSerialNumber(), after.getSerialNumber());
            assertEquals(AuditEvent.Outcome.SUCCESS, audit.last().outcome());
            Instant next = renewer.nextAttempt().orElseThrow();
            Instant twoThirds = after.getNotBefore().toInstant().plusMillis(Duration.between(
                    after.getNotBefore().toInstant(), after.getNotAfter().toInstant()).toMillis() * 2 / 3);
            assertTrue(Math.abs(Duration.between(twoThirds, next).toMillis()) < 1000,
                    "after success the schedule follows the new certificate: " + next + " vs " + twoThirds);
        }
    }

    @Test
    void theServersRetryAfterIsHonouredWhenItsCaTokenIsAway() throws Exception {
        IssuerFixture.MovableClock clock = new IssuerFixture.MovableClock();
        StepScheduler steps = new StepScheduler(clock);
        Recorded audit = new Recorded();
        try (SecureToken estTls = enrolled("est-tls", List.of("127.0.0.1", "localhost"));
                EstServer busy = EstServer.builder(caToken, state).connectionLimits(IssuerFixture.LOOPBACK).tlsCredential(CredentialSource.of(estTls, "node"))
                        .start();
                SecureToken node = enrolled("clinic-c");
                CredentialRenewer renewer = CredentialRenewer.builder(node, "node").est(busy.uri()).clock(clock)
                        .scheduler(steps).jitter(0).random(() -> 0L)
                        .backoff(Duration.ofSeconds(5), Duration.ofMinutes(5)).audit(audit).start()) {
            X509Certificate before = node.credential("node").certificate();
            caToken.logout(); // the CA's key is away; the server still answers over TLS with its own credential
            try {
                steps.runNow();
                assertEquals(Duration.ofSeconds(30), steps.lastDelay(), "the server's Retry-After, not the 5 s backoff");
                assertTrue(audit.last().detail().contains("Retry-After"), audit.last().detail());
                assertEquals(before, node.credential("node").certificate());
            } finally {
                caToken.login(IssuerFixture.pin());
            }
            steps.runNow();
            assertNotEquals(before.getSerialNumber(), node.credential("node").certificate().getSerialNumber());
            assertEquals(AuditEvent.Outcome.SUCCESS, audit.last().outcome());
        }
    }

    @Test
    void aWarningIsAuditedWhenExpiryNearsAndRenewalStillFails() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        IssuerFixture.MovableClock clock = new IssuerFixture.MovableClock();
        StepScheduler steps = new StepScheduler(clock);
        Recorded audit = new Recorded();
        try (SecureToken node = enrolled("clinic-d");
                CredentialRenewer renewer = CredentialRenewer.builder(node, "node").est(URI.create("https://127.0.0.1:"
                        + port)).clock(clock).scheduler(steps).renewAt(0.9).jitter(0).random(() -> 0L)
                        .warnWhenRemaining(0.15).audit(audit).start()) {
            steps.runNext(); // at 90 % of the lifetime: less than 15 % remains
            assertTrue(audit.events.stream().anyMatch(e -> e.outcome() == AuditEvent.Outcome.SERIOUS_FAILURE
                    && e.detail().contains("expires at") && e.detail().contains("not renewed yet")),
                    audit.events.toString());
        }
    }
}
