package jp.securetoken.cli;

import static jp.securetoken.cli.CliTestSupport.expect;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import jp.securetoken.testpki.HeldCertificate;
import jp.securetoken.testpki.TestPki;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code verify --ocsp} against Debian's {@code openssl ocsp} responder on loopback. */
class VerifyOcspTest {
    @TempDir
    Path dir;

    @Test
    void theOcspResponderDecidesRevokedOrGood() throws Exception {
        TestPki pki = TestPki.create("OCSP CA");
        HeldCertificate revoked = pki.issue("clinic-revoked").clientAuth().build();
        HeldCertificate good = pki.issue("clinic-good").clientAuth().build();
        Path ca = Files.writeString(dir.resolve("ca.pem"), pki.ca().certificatePem());
        Files.writeString(dir.resolve("ca.key"), pki.ca().privateKeyPem());
        Path revokedPem = Files.writeString(dir.resolve("revoked.pem"), revoked.chainPem());
        Path goodPem = Files.writeString(dir.resolve("good.pem"), good.chainPem());
        DateTimeFormatter f = DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").withZone(ZoneOffset.UTC);
        Files.writeString(dir.resolve("index.txt"),
                "R\t" + f.format(revoked.certificate().getNotAfter().toInstant()) + "\t"
                        + f.format(Instant.now().minusSeconds(3600)) + ",keyCompromise\t" + serial(revoked.certificate())
                        + "\tunknown\t/CN=clinic-revoked\n"
                        + "V\t" + f.format(good.certificate().getNotAfter().toInstant()) + "\t\t"
                        + serial(good.certificate()) + "\tunknown\t/CN=clinic-good\n");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Process responder = new ProcessBuilder("openssl", "ocsp", "-index", "index.txt", "-port", String.valueOf(port),
                "-rsigner", "ca.pem", "-rkey", "ca.key", "-CA", "ca.pem", "-nrequest", "2")
                .directory(dir.toFile()).redirectErrorStream(true).start();
        try {
            BufferedReader output = responder.inputReader(StandardCharsets.UTF_8);
            String line;
            do {
                line = output.readLine();
            } while (line != null && !line.toLowerCase(Locale.ROOT).contains("waiting for ocsp client connections"));
            assertTrue(line != null, "openssl ocsp did not start");
            String url = "http://127.0.0.1:" + port;

            Cli.Result r = expect(5, new Cli().run("verify", revokedPem, "--ca", ca, "--ocsp", url));
            assertTrue(r.err().startsWith("nodeauth: rejected (REVOKED)"), r::toString);
            Cli.Result ok = expect(0, new Cli().run("verify", goodPem, "--ca", ca, "--ocsp", url));
            assertTrue(ok.out().contains("revocation  not revoked (OCSP " + url + "; hard-fail)"), ok::toString);
        } finally {
            responder.destroy();
            responder.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static String serial(X509Certificate c) {
        String hex = c.getSerialNumber().toString(16).toUpperCase(Locale.ROOT);
        return hex.length() % 2 == 0 ? hex : "0" + hex;
    }
}
