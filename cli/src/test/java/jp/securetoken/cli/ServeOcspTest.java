package jp.securetoken.cli;

import static jp.securetoken.cli.CliTestSupport.expect;
import static jp.securetoken.cli.CliTestSupport.withPins;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jp.securetoken.testpki.HeldCertificate;
import jp.securetoken.testpki.TestPki;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve --ocsp URL --ocsp-nonce}: Debian's {@code openssl ocsp} answers once (echoing the
 * nonce) and exits; the gateway, a separate process, keeps admitting the clinic from its cache.
 * {@code openssl s_client} connects as the clinic.
 */
class ServeOcspTest {
    private static final Pattern LISTENING = Pattern.compile("Listening on 127\\.0\\.0\\.1:(\\d+) as .*");

    @TempDir
    Path dir;

    private String handshake(Cli.Running server, int port) throws Exception {
        Process client = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + port, "-cert",
                "clinic.pem", "-key", "clinic.key", "-quiet").directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            return server.nextLine();
        } finally {
            client.destroy();
            client.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void theCachedAnswerStillAdmitsAfterTheResponderHasGone() throws Exception {
        TestPki pki = TestPki.create("OCSP CA");
        HeldCertificate clinic = pki.issue("clinic-001").clientAuth().build();
        Path ca = Files.writeString(dir.resolve("ca.pem"), pki.ca().certificatePem());
        Files.writeString(dir.resolve("ca.key"), pki.ca().privateKeyPem());
        Files.writeString(dir.resolve("clinic.pem"), clinic.certificatePem());
        Files.writeString(dir.resolve("clinic.key"), clinic.privateKeyPem());
        Path gateway = Tokens.node(dir.resolve("gateway.stk"), pki, "gateway", true);
        DateTimeFormatter f = DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").withZone(ZoneOffset.UTC);
        String hex = clinic.certificate().getSerialNumber().toString(16).toUpperCase(Locale.ROOT);
        Files.writeString(dir.resolve("index.txt"), "V\t" + f.format(clinic.certificate().getNotAfter().toInstant())
                + "\t\t" + (hex.length() % 2 == 0 ? hex : "0" + hex) + "\tunknown\t/CN=clinic-001\n");
        int ocspPort;
        try (ServerSocket s = new ServerSocket(0)) {
            ocspPort = s.getLocalPort();
        }
        Process responder = new ProcessBuilder("openssl", "ocsp", "-index", "index.txt", "-port",
                String.valueOf(ocspPort), "-rsigner", "ca.pem", "-rkey", "ca.key", "-CA", "ca.pem", "-ndays", "1",
                "-nrequest", "1").directory(dir.toFile()).redirectErrorStream(true).start();
        try (Cli.Running server = withPins().background("serve", "--token", gateway, "--alias", "node", "--ca", ca,
                "--port", "0", "--pin-env", "UPIN", "--ocsp", "http://127.0.0.1:" + ocspPort, "--ocsp-nonce")) {
            BufferedReader output = responder.inputReader(StandardCharsets.UTF_8);
            String line;
            do {
                line = output.readLine();
            } while (line != null && !line.toLowerCase(Locale.ROOT).contains("waiting for ocsp client connections"));
            assertTrue(line != null, "openssl ocsp did not start");
            Matcher m = LISTENING.matcher(server.nextLine());
            assertTrue(m.matches());
            int port = Integer.parseInt(m.group(1));

            String first = handshake(server, port);
            assertTrue(first.startsWith("authenticated clinic-001 "), first);
            assertTrue(responder.waitFor(20, TimeUnit.SECONDS), "openssl ocsp answered once and exits");

            String cached = handshake(server, port);
            assertTrue(cached.startsWith("authenticated clinic-001 "), "admitted from the cache: " + cached);
        } finally {
            responder.destroy();
            responder.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void anOcspNonceWithoutOcspOrAnHttpsResponderIsAUsageError() throws Exception {
        TestPki pki = TestPki.create("OCSP CA");
        Path ca = Files.writeString(dir.resolve("ca.pem"), pki.ca().certificatePem());
        Path leaf = Files.writeString(dir.resolve("leaf.pem"), pki.issue("clinic-001").clientAuth().build()
                .chainPem());
        Cli.Result nonce = expect(2, new Cli().run("verify", leaf, "--ca", ca, "--ocsp-nonce"));
        assertTrue(nonce.err().contains("--ocsp-nonce needs --ocsp"), nonce::toString);
        Cli.Result https = expect(2, new Cli().run("verify", leaf, "--ca", ca, "--ocsp", "https://127.0.0.1:1/"));
        assertTrue(https.err().contains("OCSP is asked over http only"), https::toString);
    }
}
