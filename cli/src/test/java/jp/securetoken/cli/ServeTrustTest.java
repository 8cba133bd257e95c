package jp.securetoken.cli;

import static jp.securetoken.cli.CliTestSupport.expect;
import static jp.securetoken.cli.CliTestSupport.withPins;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jp.securetoken.testpki.HeldCertificate;
import jp.securetoken.testpki.TestPki;
import jp.securetoken.testsupport.PeerClosedSockets;
import jp.securetoken.tls.trust.TrustPolicy;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve} and {@code connect} with the trust and limit options, attacked from outside: {@code
 * openssl s_client -cert_chain} appends a pinned CA to a sibling CA's leaf; a server whose certificate
 * names another host; a source address opening more connections than it may.
 */
class ServeTrustTest {
    private static final Pattern LISTENING = Pattern.compile("Listening on 127\\.0\\.0\\.1:(\\d+) as .*");

    @TempDir
    static Path dir;
    static TestPki root;
    static TestPki clinicCa;
    static TestPki vendorCa;
    static Path rootPem;
    static Path gateway;
    static String clinicPin;

    @BeforeAll
    static void pki() throws Exception {
        root = TestPki.create("Regional Root");
        clinicCa = root.intermediate("Clinic Issuing CA");
        vendorCa = root.intermediate("Vendor Issuing CA");
        rootPem = Files.writeString(dir.resolve("root.pem"), HeldCertificate.pem(root.caCertificate()));
        clinicPin = TrustPolicy.sha256Fingerprint(clinicCa.caCertificate());
        gateway = Tokens.node(dir.resolve("gateway.stk"), root, "gateway", true, issue -> issue.dnsName("localhost"));
    }

    private static Cli.Running serve(Object... extra) throws Exception {
        List<Object> args = new ArrayList<>(List.of("serve", "--token", gateway, "--alias", "node", "--ca", rootPem,
                "--port", "0", "--pin-env", "UPIN"));
        args.addAll(List.of(extra));
        return withPins().background(args.toArray());
    }

    private static int port(Cli.Running server) throws Exception {
        String line = server.nextLine();
        Matcher m = LISTENING.matcher(line);
        assertTrue(m.matches(), line);
        return Integer.parseInt(m.group(1));
    }

    /** {@code openssl s_client} presenting {@code leaf} and appending {@code extras} with -cert_chain. */
    private static Process sClient(int port, String name, HeldCertificate leaf, X509Certificate... extras)
            throws IOException {
        Path cert = Files.writeString(dir.resolve(name + ".pem"), leaf.certificatePem());
        Path key = Files.writeString(dir.resolve(name + ".key"), leaf.privateKeyPem());
        StringBuilder pem = new StringBuilder();
        for (X509Certificate c : extras) {
            pem.append(HeldCertificate.pem(c));
        }
        Path chain = Files.writeString(dir.resolve(name + "-extras.pem"), pem.toString());
        try {
            return new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + port, "-cert", cert.toString(),
                    "-key", key.toString(), "-cert_chain", chain.toString(), "-quiet")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            throw new IOException("openssl is needed (Debian package 'openssl'; ./scripts/test-all.sh installs it)", e);
        }
    }

    private static void stop(Process p) throws InterruptedException {
        p.destroy();
        if (!p.waitFor(5, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void serveRefusesASiblingCaLeafWithThePinnedCaAppendedAndAdmitsAPinnedLeaf() throws Exception {
        try (Cli.Running server = serve("--pin-ca", clinicPin)) {
            int port = port(server);
            HeldCertificate vendorLeaf = vendorCa.issue("vendor-node").clientAuth().build();
            Process attacker = sClient(port, "vendor", vendorLeaf, vendorCa.caCertificate(), root.caCertificate(),
                    clinicCa.caCertificate());
            try {
                String seen = server.nextLine();
                assertTrue(seen.startsWith("refused /127.0.0.1:") && seen.contains(": PEER_REJECTED CA_NOT_PINNED: "),
                        seen);
            } finally {
                stop(attacker);
            }
            HeldCertificate clinicLeaf = clinicCa.issue("clinic-007").clientAuth().build();
            Process clinic = sClient(port, "clinic", clinicLeaf, vendorCa.caCertificate(), clinicCa.caCertificate());
            try {
                String seen = server.nextLine();
                assertTrue(seen.startsWith("authenticated clinic-007 (TLSv1.3, "), seen);
            } finally {
                stop(clinic);
            }
        }
    }

    @Test
    void connectCheckingTheHostNameRefusesAServerNamedForAnotherHost() throws Exception {
        Path clinic = Tokens.node(dir.resolve("clinic.stk"), root, "clinic-9", false);
        try (Cli.Running server = serve()) {
            int port = port(server);
            // the gateway's certificate names "localhost", not "127.0.0.1"
            Cli.Result wrong = expect(5, withPins().stdin("hello\n").run("connect", "--token", clinic, "--alias",
                    "node", "--ca", rootPem, "--pin-env", "UPIN", "--check-hostname", "127.0.0.1:" + port));
            assertTrue(wrong.err().contains("HOSTNAME_MISMATCH"), wrong::toString);
            assertEquals("", wrong.out());
            Cli.Result right = expect(0, withPins().stdin("hello\n").run("connect", "--token", clinic, "--alias",
                    "node", "--ca", rootPem, "--pin-env", "UPIN", "--check-hostname", "localhost:" + port));
            assertEquals("hello\n", right.out());
        }
    }

    @Test
    void serveClosesConnectionsOverItsPerSourceLimitBeforeTls() throws Exception {
        try (Cli.Running server = serve("--max-source-handshakes", "2/600")) {
            String listening = server.nextLine();
            assertTrue(listening.endsWith("; limits: 2 handshakes per source address per 600 s, 16 handshakes at "
                    + "once, 1000 connections"), listening);
            Matcher m = LISTENING.matcher(listening);
            assertTrue(m.matches(), listening);
            int port = Integer.parseInt(m.group(1));
            try (Socket first = open(port); Socket second = open(port); Socket third = open(port)) {
                // they reach serve's event loops in an order of their own: exactly one is closed, the two
                // admitted ones wait for a ClientHello (handshake timeout 30 s)
                PeerClosedSockets.awaitExactlyOneClosed(Duration.ofSeconds(15), first, second, third);
            }
        }
    }

    @Test
    void aMalformedLimitIsAUsageError() throws Exception {
        Cli.Result r = expect(2, serve0("--max-source-handshakes", "10"));
        assertTrue(r.err().contains("--max-source-handshakes '10' is not N/SECONDS"), r::toString);
        r = expect(2, serve0("--max-handshakes", "0"));
        assertTrue(r.err().contains("--max-handshakes must be at least 1"), r::toString);
    }

    private static Cli.Result serve0(Object... extra) throws Exception {
        List<Object> args = new ArrayList<>(List.of("serve", "--token", gateway, "--alias", "node", "--ca", rootPem,
                "--port", "0", "--pin-env", "UPIN"));
        args.addAll(List.of(extra));
        return withPins().run(args.toArray());
    }

    private static Socket open(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        return s;
    }
}
