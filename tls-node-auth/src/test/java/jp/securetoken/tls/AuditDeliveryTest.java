package jp.securetoken.tls;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import jp.securetoken.api.CredentialSource;
import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.SecureToken;
import jp.securetoken.testpki.TestPki;
import jp.securetoken.testsupport.RsyslogCollector;
import jp.securetoken.api.CredentialUsage;
import jp.securetoken.api.PinCallback;
import jp.securetoken.api.PinIncorrectException;
import jp.securetoken.api.PinLockedException;
import jp.securetoken.soft.SoftTokenSettings;
import jp.securetoken.soft.SoftTokens;
import jp.securetoken.tls.audit.AuditEvent;
import jp.securetoken.tls.audit.AuditedToken;
import jp.securetoken.tls.audit.SyslogTlsAuditSink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The audit trail loses nothing: events reach Debian's rsyslogd (imtcp, GnuTLS driver, mutual TLS)
 * at least once through collector restarts, a stalled collector, a closed sink and a killed
 * sending process.
 */
class AuditDeliveryTest extends LoopbackNodesTest {
    private static final Pattern EVENT = Pattern.compile("eventId=\"([0-9a-f-]{36})\".*<EventOutcomeDescription>"
            + "(event-\\d{5})</EventOutcomeDescription>");
    private static final Duration DELIVERY = Duration.ofSeconds(60);

    private RsyslogCollector collector;
    private SecureToken gateway;
    private Path spool;

    @BeforeEach
    void startCollector() throws Exception {
        collector = RsyslogCollector.start(dir.resolve("rsyslog"), pki.ca(),
                // GnuTLS cannot read the JDK's PKCS#8 EC keys (no public key inside): an RSA collector key
                pki.issue("audit-repository").serverAuth().keyPair(TestPki.Keys.rsa(2048)).build());
        gateway = nodes.node("gateway", KeyAlgorithm.EC_P256, pki, i -> i.clientAuth());
        spool = dir.resolve("spool");
    }

    @AfterEach
    void stopCollector() {
        collector.close();
    }

    private SyslogTlsAuditSink.Builder sinkTo(int port) throws Exception {
        return SyslogTlsAuditSink.to(NodeTls.client(CredentialSource.of(gateway, TestNodes.ALIAS)).trustPolicy(trust)
                .buildJsse(), "127.0.0.1", port).localNodeId("gateway").spool(spool, 10_000)
                .connectTimeout(Duration.ofSeconds(2)).writeTimeout(Duration.ofSeconds(2));
    }

    static AuditEvent event(int n) {
        return new AuditEvent(AuditEvent.Kind.NODE_AUTHENTICATION, AuditEvent.Outcome.SUCCESS, Instant.now(),
                Optional.of("clinic-" + n), Optional.of("192.0.2.1"), String.format("event-%05d", n));
    }

    /** Event name → the event ids it arrived with, from what rsyslogd wrote. */
    private Map<String, Set<String>> arrived() {
        Map<String, Set<String>> ids = new HashMap<>();
        for (String line : collector.received()) {
            Matcher m = EVENT.matcher(line);
            if (m.find()) {
                ids.computeIfAbsent(m.group(2), k -> new HashSet<>()).add(m.group(1));
            }
        }
        return ids;
    }

    /** Every event 1..n arrived at least once; copies carry one id, distinct events distinct ids. */
    private void assertEveryEventArrived(int n) {
        await().atMost(DELIVERY).until(() -> arrived().keySet().containsAll(names(n)));
        Map<String, Set<String>> ids = arrived();
        Set<String> distinct = new HashSet<>();
        for (String name : names(n)) {
            assertEquals(1, ids.get(name).size(), name + " arrived with several ids: " + ids.get(name));
            distinct.addAll(ids.get(name));
        }
        assertEquals(n, distinct.size(), "two events share an id");
    }

    private static Set<String> names(int n) {
        Set<String> names = new HashSet<>();
        for (int i = 1; i <= n; i++) {
            names.add(String.format("event-%05d", i));
        }
        return names;
    }

    @Test
    void theFirstEventAfterACollectorRestartIsNotLost() throws Exception {
        try (SyslogTlsAuditSink sink = sinkTo(collector.port()).start()) {
            sink.record(event(1));
            await().atMost(DELIVERY).until(() -> arrived().containsKey("event-00001"));
            collector.restart();
            sink.record(event(2));
            assertEveryEventArrived(2);
            await().atMost(DELIVERY).until(() -> sink.delivered() == 2);
            assertEquals(0, sink.queued());
            assertEquals(0, sink.dropped());
        }
    }

    @Test
    void everyEventArrivesThoughTheCollectorRestartsMidStream() throws Exception {
        int total = 300;
        try (SyslogTlsAuditSink sink = sinkTo(collector.port()).batchSize(20).start()) {
            for (int i = 1; i <= total; i++) {
                sink.record(event(i));
                if (i == 100 || i == 200) {
                    collector.restart();
                }
            }
            assertEveryEventArrived(total);
            await().atMost(DELIVERY).until(() -> sink.queued() == 0);
            assertTrue(sink.delivered() >= total, "delivered " + sink.delivered());
            assertEquals(total, sink.spooled());
            assertEquals(0, sink.dropped());
        }
    }

    @Test
    void aStalledCollectorHoldsNeitherTheCallerNorTheSender() throws Exception {
        collector.stall();
        SyslogTlsAuditSink sink = sinkTo(collector.port()).start();
        for (int i = 1; i <= 20; i++) {
            sink.record(event(i));
        }
        assertEquals(20, sink.spooled());
        // the handshake with the frozen collector times out instead of waiting for ever
        await().atMost(DELIVERY).until(() -> sink.failedAttempts() >= 1);
        Thread closer = new Thread(sink::close);
        closer.start();
        closer.join(TimeUnit.SECONDS.toMillis(30));
        assertTrue(!closer.isAlive(), "close() waited on the stalled collector");
        assertEquals(20, sink.queued(), "undelivered events stay spooled");
        assertEquals(0, sink.dropped());

        collector.resume();
        try (SyslogTlsAuditSink next = sinkTo(collector.port()).start()) {
            assertEveryEventArrived(20);
            await().atMost(DELIVERY).until(() -> next.queued() == 0);
        }
    }

    @Test
    void aRepositoryThatStopsReadingCostsAWriteTimeoutNotAStuckSender() throws Exception {
        SecureToken repositoryToken = nodes.node("repository", KeyAlgorithm.EC_P256, pki, i -> i.serverAuth());
        JsseNodeContext repositoryTls = NodeTls.server(CredentialSource.of(repositoryToken, TestNodes.ALIAS))
                .trustPolicy(trust).buildJsse();
        AtomicInteger handshakes = new AtomicInteger();
        try (SSLServerSocket deaf = (SSLServerSocket) repositoryTls.sslContext().getServerSocketFactory()
                .createServerSocket(0, 8, java.net.InetAddress.getLoopbackAddress())) {
            deaf.setSSLParameters(repositoryTls.parameters());
            Thread acceptor = new Thread(() -> {
                List<SSLSocket> held = new java.util.ArrayList<>();
                try {
                    while (true) {
                        SSLSocket s = (SSLSocket) deaf.accept();
                        s.setReceiveBufferSize(4096);
                        s.startHandshake();
                        handshakes.incrementAndGet();
                        held.add(s); // completes the handshake, then never reads again
                    }
                } catch (java.io.IOException e) {
                    held.forEach(s -> {
                        try {
                            s.close();
                        } catch (java.io.IOException ignored) {
                            // closing
                        }
                    });
                }
            }, "deaf-repository");
            acceptor.setDaemon(true);
            acceptor.start();
            // 400 events of ~20 KiB: far more than the socket buffers hold
            SyslogTlsAuditSink sink = sinkTo(deaf.getLocalPort()).batchSize(400).start();
            String big = "x".repeat(20_000);
            for (int i = 1; i <= 400; i++) {
                sink.record(new AuditEvent(AuditEvent.Kind.APPLICATION_START, AuditEvent.Outcome.SUCCESS,
                        Instant.now(), Optional.empty(), Optional.empty(), big));
            }
            await().atMost(DELIVERY).until(() -> handshakes.get() >= 1 && sink.failedAttempts() >= 1);
            Thread closer = new Thread(sink::close);
            closer.start();
            closer.join(TimeUnit.SECONDS.toMillis(30));
            assertTrue(!closer.isAlive(), "close() waited on a repository that does not read");
            assertEquals(400, sink.queued());
            assertEquals(0, sink.delivered());
            assertEquals(0, sink.dropped());
        }
    }

    @Test
    void eventsQueuedWhenTheSinkClosesAreSentByTheNextOne() throws Exception {
        collector.stop();
        try (SyslogTlsAuditSink sink = sinkTo(collector.port()).start()) {
            for (int i = 1; i <= 5; i++) {
                sink.record(event(i));
            }
            sink.close();
            assertEquals(5, sink.queued());
            assertEquals(0, sink.dropped());
        }
        collector.restart();
        try (SyslogTlsAuditSink next = sinkTo(collector.port()).start()) {
            assertEquals(5, next.queued());
            assertEveryEventArrived(5);
            await().atMost(DELIVERY).until(() -> next.delivered() == 5 && next.queued() == 0);
        }
    }

    @Test
    void aFullSpoolRefusesNewEventsCountsAndKeepsTheOldOnes() throws Exception {
        collector.stop();
        try (SyslogTlsAuditSink sink = sinkTo(collector.port()).spool(spool, 3).start()) {
            for (int i = 1; i <= 5; i++) {
                sink.record(event(i));
            }
            assertEquals(3, sink.queued());
            assertEquals(3, sink.spooled());
            assertEquals(2, sink.dropped());
            collector.restart();
            assertEveryEventArrived(3);
            await().atMost(DELIVERY).until(() -> sink.queued() == 0);
            sink.record(event(6));
            await().atMost(DELIVERY).until(() -> arrived().containsKey("event-00006"));
            assertTrue(!arrived().containsKey("event-00004") && !arrived().containsKey("event-00005"));
        }
    }

    @Test
    void eventsOfAKilledSendingProcessArriveAfterItsRestart() throws Exception {
        Path token = SoftTokenFixture.enrolledFile(dir.resolve("sender.stk"), pki.issue("gateway").clientAuth());
        Path ca = dir.resolve("ca.pem");
        Files.writeString(ca, pki.ca().certificatePem());
        String java = ProcessHandle.current().info().command().orElse("java");
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                AuditSenderProcess.class.getName(), spool.toString(), String.valueOf(collector.port()),
                token.toString(), ca.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        int recorded = 0;
        try (Writer pin = new java.io.OutputStreamWriter(child.getOutputStream(), StandardCharsets.UTF_8);
                BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                        StandardCharsets.UTF_8))) {
            pin.write(new String(TestNodes.PIN) + "\n");
            pin.flush();
            String line;
            while ((line = out.readLine()) != null) {
                recorded = Integer.parseInt(line.substring("recorded ".length()));
                if (recorded == 40) {
                    collector.stop();          // events from here on wait in the spool
                }
                if (recorded >= 80) {
                    child.destroyForcibly();   // SIGKILL, mid-stream
                    break;
                }
            }
            child.waitFor(30, TimeUnit.SECONDS);
        } finally {
            child.destroyForcibly();
        }
        assertTrue(recorded >= 80, "the sending process recorded only " + recorded);
        collector.restart();
        try (SyslogTlsAuditSink restarted = sinkTo(collector.port()).start()) {
            assertTrue(restarted.queued() > 0, "the killed process left nothing in its spool");
            assertEveryEventArrived(recorded);
        }
    }

    @Test
    void tokenLoginFailuresPinLocksAndCredentialWritesReachTheCollector() throws Exception {
        Path file = dir.resolve("audited.stk");
        char[] admin = "admin-4321".toCharArray();
        try (PinCallback.Fixed user = PinCallback.fixed(TestNodes.PIN); PinCallback.Fixed a = PinCallback.fixed(admin)) {
            SoftTokens.create(file, SoftTokenSettings.builder("audited").userPin(user).administratorPin(a)
                    .maxRetries(2).kdfIterations(SoftTokenSettings.MIN_KDF_ITERATIONS).build());
        }
        try (SyslogTlsAuditSink sink = sinkTo(collector.port()).start();
                SecureToken token = AuditedToken.wrap(SoftTokens.open(file), sink, java.time.Clock.systemUTC())) {
            for (int i = 0; i < 2; i++) {
                try (PinCallback.Fixed wrong = PinCallback.fixed("999999".toCharArray())) {
                    assertThrows(PinIncorrectException.class, () -> token.login(wrong));
                }
            }
            try (PinCallback.Fixed right = PinCallback.fixed(TestNodes.PIN)) {
                assertThrows(PinLockedException.class, () -> token.login(right));
            }
            try (PinCallback.Fixed a = PinCallback.fixed(admin); PinCallback.Fixed user = PinCallback.fixed(TestNodes.PIN)) {
                token.unlockUserPin(a, user);
            }
            try (PinCallback.Fixed right = PinCallback.fixed(TestNodes.PIN)) {
                token.login(right);
            }
            token.lifecycle().enroll("node", KeyAlgorithm.EC_P256, CredentialUsage.NODE_AUTHENTICATION,
                    pki.issue("gateway").clientAuth()::certifyChain);
            await().atMost(DELIVERY).until(() -> sink.delivered() == 8);
        }
        List<String> events = collector.received().stream().map(l -> code(l, "EventTypeCode") + "/"
                + l.replaceFirst(".*EventOutcomeIndicator=\"(\\d+)\".*", "$1")).toList();
        assertEquals(List.of("110122/4", "110122/4", "110137/8", "110122/8", "110137/0", "110122/0", "110129/0",
                "110129/0"), events);
        String all = String.join("\n", collector.received());
        assertTrue(all.contains("ParticipantObjectID=\"soft:") && all.contains("audited.stk\" ParticipantObjectTypeCode=\"2\""),
                all);
        assertTrue(all.contains("user PIN incorrect, 0 tries left"), all);
        assertTrue(all.contains("credential &apos;node&apos; written: certificate serial "), all);
        assertTrue(!all.contains("123456") && !all.contains("999999") && !all.contains("admin-4321"),
                "a PIN reached the audit trail");
    }

    /**
     * A device's key-based login (JAHIS 7.2.2 b) goes through the audited token to the token itself
     * (not the SPI's PIN-only default) and is recorded like a PIN login; enrolling the key is recorded
     * as a change of the user's security attributes. No key material reaches the trail.
     */
    @Test
    void deviceKeyEnrolmentAndLoginsReachTheCollector() throws Exception {
        Path file = dir.resolve("device.stk");
        try (PinCallback.Fixed user = PinCallback.fixed(TestNodes.PIN);
                PinCallback.Fixed a = PinCallback.fixed("admin-4321".toCharArray())) {
            SoftTokens.create(file, SoftTokenSettings.builder("device").userPin(user).administratorPin(a)
                    .kdfIterations(SoftTokenSettings.MIN_KDF_ITERATIONS).build());
        }
        java.security.KeyPair host = TestPki.Keys.rsa(2048);
        java.security.KeyPair other = TestPki.Keys.rsa(2048);
        try (SyslogTlsAuditSink sink = sinkTo(collector.port()).start();
                SecureToken token = AuditedToken.wrap(SoftTokens.open(file), sink, java.time.Clock.systemUTC())) {
            try (PinCallback.Fixed right = PinCallback.fixed(TestNodes.PIN)) {
                token.login(right);
            }
            token.enrolDeviceKey(jp.securetoken.api.DeviceKey.of(host.getPrivate(), host.getPublic()));
            token.logout();
            assertThrows(jp.securetoken.api.DeviceKeyRejectedException.class,
                    () -> token.login(jp.securetoken.api.DeviceKey.of(other.getPrivate(), other.getPublic())));
            token.login(jp.securetoken.api.DeviceKey.of(host.getPrivate(), host.getPublic()));
            assertTrue(token.isLoggedIn(), "the device key logged the token itself in");
            await().atMost(DELIVERY).until(() -> sink.delivered() == 5);
        }
        List<String> events = collector.received().stream().map(l -> code(l, "EventTypeCode") + "/"
                + l.replaceFirst(".*EventOutcomeIndicator=\"(\\d+)\".*", "$1")).toList();
        assertEquals(List.of("110122/0", "110137/0", "110123/0", "110122/4", "110122/0"), events);
        String all = String.join("\n", collector.received());
        assertTrue(all.contains("device key enrolled") && all.contains("login refused: device key rejected")
                && all.contains("device key accepted"), all);
    }

    private static String code(String line, String element) {
        Matcher m = Pattern.compile("<" + element + " csd-code=\"(\\d+)\"").matcher(line);
        return m.find() ? m.group(1) : "?";
    }
}
