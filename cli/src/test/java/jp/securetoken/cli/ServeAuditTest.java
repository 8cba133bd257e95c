package jp.securetoken.cli;

import static jp.securetoken.cli.CliTestSupport.expect;
import static jp.securetoken.cli.CliTestSupport.withPins;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jp.securetoken.testpki.HeldCertificate;
import jp.securetoken.testpki.TestPki;
import jp.securetoken.testsupport.RsyslogCollector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code serve --audit-syslog}: the audit trail reaches Debian's rsyslogd over mutual TLS. */
class ServeAuditTest {
    private static final Pattern LISTENING = Pattern.compile("Listening on 127\\.0\\.0\\.1:(\\d+) as .*");

    @TempDir
    static Path dir;
    static Path ca;
    static Path otherCa;
    static Path gateway;
    static Path clinic;
    static Path stranger;
    static RsyslogCollector collector;

    @BeforeAll
    static void start() throws Exception {
        TestPki pki = TestPki.create("Regional CA");
        TestPki other = TestPki.create("Other CA");
        ca = Files.writeString(dir.resolve("ca.pem"), HeldCertificate.pem(pki.caCertificate()));
        otherCa = Files.writeString(dir.resolve("other-ca.pem"), HeldCertificate.pem(other.caCertificate()));
        gateway = Tokens.node(dir.resolve("gateway.stk"), pki, "gateway", true);
        clinic = Tokens.node(dir.resolve("clinic.stk"), pki, "clinic-001", false);
        stranger = Tokens.node(dir.resolve("stranger.stk"), other, "stranger", false);
        collector = RsyslogCollector.start(dir.resolve("rsyslog"), pki.ca(),
                pki.issue("audit-repository").serverAuth().keyPair(TestPki.Keys.rsa(2048)).build());
    }

    @AfterAll
    static void stop() {
        collector.close();
    }

    private static boolean received(String... parts) {
        return collector.received().stream().anyMatch(l -> List.of(parts).stream().allMatch(l::contains));
    }

    @Test
    void handshakesLoginAndStartReachTheRepository() throws Exception {
        try (Cli.Running server = withPins().background("serve", "--token", gateway, "--alias", "node", "--ca", ca,
                "--port", "0", "--pin-env", "UPIN", "--audit-syslog", "127.0.0.1:" + collector.port(),
                "--audit-spool", dir.resolve("spool-1"))) {
            Matcher m = LISTENING.matcher(server.nextLine());
            assertTrue(m.matches());
            String address = "127.0.0.1:" + m.group(1);
            expect(0, withPins().stdin("hi\n").run("connect", "--token", clinic, "--alias", "node", "--ca", ca,
                    "--pin-env", "UPIN", address));
            expect(5, withPins().stdin("hi\n").run("connect", "--token", stranger, "--alias", "node", "--ca", ca,
                    "--pin-env", "UPIN", address));
            await().atMost(Duration.ofSeconds(60)).until(() -> received("csd-code=\"110120\"")
                    && received("csd-code=\"110122\"", "EventOutcomeIndicator=\"0\"", "gateway.stk")
                    && received("csd-code=\"110126\"", "EventOutcomeIndicator=\"0\"", "ParticipantObjectID=\"clinic-001\"")
                    && received("csd-code=\"110126\"", "EventOutcomeIndicator=\"4\"", "UNKNOWN_CA"));
            assertTrue(received(" gateway securetoken ", "IHE+RFC-3881 [audit@32473 eventId="));
        }
    }

    @Test
    void aCrlSourceThatCannotBeReachedIsAudited() throws Exception {
        int dead;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            dead = s.getLocalPort();
        }
        String url = "http://127.0.0.1:" + dead + "/regional.crl";
        try (Cli.Running server = withPins().background("serve", "--token", gateway, "--alias", "node", "--ca", ca,
                "--port", "0", "--pin-env", "UPIN", "--crl", url, "--audit-syslog", "127.0.0.1:" + collector.port(),
                "--audit-spool", dir.resolve("spool-crl"))) {
            assertTrue(LISTENING.matcher(server.nextLine()).matches());
            // the first fetch starts before the audit trail runs: it is kept and recorded once the trail does
            await().atMost(Duration.ofSeconds(60)).until(() -> received("csd-code=\"110129\"",
                    "EventOutcomeIndicator=\"8\"", url, "connection refused"));
        }
    }

    @Test
    void aWrongPinAtStartIsSpooledAndSentByTheNextStart() throws Exception {
        Path spool = dir.resolve("spool-2");
        Object[] serve = {"serve", "--token", gateway, "--alias", "node", "--ca", ca, "--port", "0", "--pin-env",
            "UPIN", "--audit-syslog", "127.0.0.1:" + collector.port(), "--audit-spool", spool};
        // without the PIN the node cannot authenticate to the repository: the event waits in the spool
        expect(3, withPins().env("UPIN", "wrong-pin-1").run(serve));
        assertTrue(Files.list(spool).anyMatch(f -> f.toString().endsWith(".msg")), "nothing spooled");
        try (Cli.Running server = withPins().background(serve)) {
            assertTrue(LISTENING.matcher(server.nextLine()).matches());
            await().atMost(Duration.ofSeconds(60)).until(() -> received("csd-code=\"110122\"",
                    "EventOutcomeIndicator=\"4\"", "user PIN incorrect"));
        }
        assertTrue(collector.received().stream().noneMatch(l -> l.contains("wrong-pin-1")));
    }

    @Test
    void aMalformedRepositoryAddressIsAUsageError() throws Exception {
        Cli.Result r = expect(2, withPins().run("serve", "--token", gateway, "--alias", "node", "--ca", ca,
                "--port", "0", "--pin-env", "UPIN", "--audit-syslog", "collector", "--audit-spool",
                dir.resolve("spool-3")));
        assertTrue(r.err().contains("--audit-syslog 'collector' is not host:port"), r::toString);
    }
}
