package jp.securetoken.cli;

import static jp.securetoken.cli.CliTestSupport.expect;
import static jp.securetoken.cli.CliTestSupport.withPins;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.net.ServerSocket;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jp.securetoken.testpki.CrlRepository;
import jp.securetoken.testpki.HeldCertificate;
import jp.securetoken.testpki.TestPki;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import jp.securetoken.testsupport.ExternalTool;

/**
 * Revocation data that stays fresh while {@code nodeauth serve} runs as a separate process and
 * Debian's {@code openssl s_client} connects as the clinic: {@code --crl URL} and {@code --crl-dp}
 * (CRLs kept current from a loopback repository), {@code --ocsp URL --ocsp-nonce} (answers of
 * Debian's {@code openssl ocsp} kept until their nextUpdate); {@code verify} with the same options.
 */
class ServeRevocationTest {
    private static final Pattern LISTENING = Pattern.compile("Listening on 127\\.0\\.0\\.1:(\\d+) as .*");
    private static final String DP = "/regional.crl";

    @TempDir
    Path dir;

    private final TestPki pki = TestPki.create("Regional CA");
    private CrlRepository repository;
    private Path ca;
    private Path gateway;

    @BeforeEach
    void setUp() throws Exception {
        repository = CrlRepository.start();
        ca = Files.writeString(dir.resolve("ca.pem"), HeldCertificate.pem(pki.caCertificate()));
        gateway = Tokens.node(dir.resolve("gateway.stk"), pki, "gateway", true);
    }

    @AfterEach
    void tearDown() {
        repository.close();
    }

    private HeldCertificate clinic(String name) {
        return pki.issue(name).clientAuth().crlDistributionPoint(repository.url(DP).toString()).build();
    }

    private Cli.Running serve(Object... extra) throws Exception {
        List<Object> args = new java.util.ArrayList<>(List.of("serve", "--token", gateway, "--alias", "node", "--ca",
                ca, "--port", "0", "--pin-env", "UPIN"));
        args.addAll(List.of(extra));
        return withPins().background(args.toArray());
    }

    private static int port(Cli.Running server) throws Exception {
        String line = server.nextLine();
        Matcher m = LISTENING.matcher(line);
        assertTrue(m.matches(), line);
        return Integer.parseInt(m.group(1));
    }

    /** Connects as {@code held} with {@code openssl s_client}; the line {@code serve} printed about it. */
    private String handshake(Cli.Running server, int port, HeldCertificate held) throws Exception {
        Files.writeString(dir.resolve("client.pem"), held.certificatePem());
        Files.writeString(dir.resolve("client.key"), held.privateKeyPem());
        try (ExternalTool client = ExternalTool.start(dir, "openssl", "openssl", "s_client", "-connect",
                "127.0.0.1:" + port, "-cert", "client.pem", "-key", "client.key", "-quiet")) {
            return server.nextLine();
        }
    }

    @Test
    void serveKeepsACrlUrlCurrentAndKeepsTheLastGoodCrlWhenTheRepositoryIsDown() throws Exception {
        HeldCertificate good = clinic("clinic-001");
        HeldCertificate lost = clinic("clinic-002");
        Instant now = Instant.now();
        repository.publish(DP, pki.crl(now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(1))));
        try (Cli.Running server = serve("--crl", repository.url(DP), "--crl-refresh", "1s")) {
            int port = port(server);
            String first = handshake(server, port, lost);
            assertTrue(first.startsWith("authenticated clinic-002 "), first);

            // the CA revokes clinic-002 and publishes a new list early: the running gateway hears of it
            repository.publish(DP, pki.crl(Instant.now().minusSeconds(1), now.plus(Duration.ofDays(1)),
                    lost.certificate()));
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).until(() ->
                    handshake(server, port, lost).matches("refused /127\\.0\\.0\\.1:\\d+: PEER_REJECTED REVOKED: .*"));

            // the repository goes down: the list held stays in force until its nextUpdate
            repository.stop();
            String still = handshake(server, port, good);
            assertTrue(still.startsWith("authenticated clinic-001 "), still);
            String refused = handshake(server, port, lost);
            assertTrue(refused.contains("PEER_REJECTED REVOKED"), refused);
        }
    }

    @Test
    void serveWithCrlDpFetchesTheDistributionPointsTheCertificatesName() throws Exception {
        HeldCertificate good = clinic("clinic-001");
        HeldCertificate lost = clinic("clinic-002");
        repository.publish(DP, pki.crl(lost.certificate()));
        try (Cli.Running server = serve("--crl-dp")) {
            int port = port(server);
            String refused = handshake(server, port, lost);
            assertTrue(refused.matches("refused /127\\.0\\.0\\.1:\\d+: PEER_REJECTED REVOKED: .*"), refused);
            String ok = handshake(server, port, good);
            assertTrue(ok.startsWith("authenticated clinic-001 "), ok);
        }
    }

    @Test
    void verifyTakesCrlUrlsAndDistributionPoints() throws Exception {
        HeldCertificate good = clinic("clinic-001");
        HeldCertificate lost = clinic("clinic-002");
        repository.publish(DP, pki.crl(lost.certificate()));
        Path goodPem = Files.writeString(dir.resolve("good.pem"), good.chainPem());
        Path lostPem = Files.writeString(dir.resolve("lost.pem"), lost.chainPem());

        Cli.Result r = expect(5, new Cli().run("verify", lostPem, "--ca", ca, "--crl", repository.url(DP)));
        assertTrue(r.err().startsWith("nodeauth: rejected (REVOKED)"), r::toString);
        Cli.Result ok = expect(0, new Cli().run("verify", goodPem, "--ca", ca, "--crl-dp"));
        assertTrue(ok.out().contains("revocation  not revoked (CRL distribution points; hard-fail)"), ok::toString);

        repository.stop();
        Cli.Result unknown = expect(5, new Cli().run("verify", goodPem, "--ca", ca, "--crl-dp"));
        assertTrue(unknown.err().contains("nodeauth: rejected (REVOCATION_UNKNOWN)"), unknown::toString);
        assertTrue(unknown.err().contains("no current CRL"), unknown::toString);
    }

    @Test
    void aCrlUrlOtherThanHttpOrABadRefreshIntervalIsAUsageError() throws Exception {
        HeldCertificate good = clinic("clinic-001");
        Path goodPem = Files.writeString(dir.resolve("good.pem"), good.chainPem());
        Cli.Result https = expect(2, new Cli().run("verify", goodPem, "--ca", ca, "--crl",
                "https://127.0.0.1:1/regional.crl"));
        assertTrue(https.err().contains("CRLs are fetched over http only"), https::toString);
        Cli.Result interval = expect(2, new Cli().run("verify", goodPem, "--ca", ca, "--crl", repository.url(DP),
                "--crl-refresh", "soon"));
        assertTrue(interval.err().contains("--crl-refresh 'soon' is not a duration"), interval::toString);
    }

    @Test
    void theCachedAnswerStillAdmitsAfterTheResponderHasGone() throws Exception {
        HeldCertificate clinic = pki.issue("clinic-001").clientAuth().build();
        Files.writeString(dir.resolve("ca.key"), pki.ca().privateKeyPem());
        DateTimeFormatter f = DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").withZone(ZoneOffset.UTC);
        String hex = clinic.certificate().getSerialNumber().toString(16).toUpperCase(Locale.ROOT);
        Files.writeString(dir.resolve("index.txt"), "V\t" + f.format(clinic.certificate().getNotAfter().toInstant())
                + "\t\t" + (hex.length() % 2 == 0 ? hex : "0" + hex) + "\tunknown\t/CN=clinic-001\n");
        int ocspPort;
        try (ServerSocket s = new ServerSocket(0)) {
            ocspPort = s.getLocalPort();
        }
        try (ExternalTool responder = ExternalTool.start(dir, "openssl", "openssl", "ocsp", "-index", "index.txt",
                "-port", String.valueOf(ocspPort), "-rsigner", "ca.pem", "-rkey", "ca.key", "-CA", "ca.pem", "-ndays",
                "1", "-nrequest", "1");
                Cli.Running server = serve("--ocsp", "http://127.0.0.1:" + ocspPort, "--ocsp-nonce")) {
            responder.awaitOutput("waiting for OCSP client connections");
            int port = port(server);

            String first = handshake(server, port, clinic);
            assertTrue(first.startsWith("authenticated clinic-001 "), first);
            assertEquals(0, responder.closeInput(), "openssl ocsp answered once and exits");

            String cached = handshake(server, port, clinic);
            assertTrue(cached.startsWith("authenticated clinic-001 "), "admitted from the cache: " + cached);
        }
    }

    @Test
    void anOcspNonceWithoutOcspOrAnHttpsResponderIsAUsageError() throws Exception {
        Path leaf = Files.writeString(dir.resolve("leaf.pem"), pki.issue("clinic-001").clientAuth().build()
                .chainPem());
        Cli.Result nonce = expect(2, new Cli().run("verify", leaf, "--ca", ca, "--ocsp-nonce"));
        assertTrue(nonce.err().contains("--ocsp-nonce needs --ocsp"), nonce::toString);
        Cli.Result https = expect(2, new Cli().run("verify", leaf, "--ca", ca, "--ocsp", "https://127.0.0.1:1/"));
        assertTrue(https.err().contains("OCSP is asked over http only"), https::toString);
    }
}
