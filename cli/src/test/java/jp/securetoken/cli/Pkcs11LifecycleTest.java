package jp.securetoken.cli;

import static jp.securetoken.cli.CliTestSupport.expect;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;

import jp.securetoken.soft.SoftTokens;
import jp.securetoken.testpki.HeldCertificate;
import jp.securetoken.testpki.TestPki;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.bouncycastle.util.io.pem.PemReader;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * keygen, csr and cert import on a SoftHSM2 token, each a separate {@code nodeauth} process, as a
 * new user runs them: the pending key is a token object, so the next process finds it, and the old
 * credential serves until the import.
 */
class Pkcs11LifecycleTest {
    private static final Path MODULE = Path.of("/usr/lib/softhsm/libsofthsm2.so");
    private static final String PIN = "4711-user";

    @TempDir
    Path dir;
    private Path conf;
    private String uri;

    @BeforeEach
    void softHsmToken() throws Exception {
        assertTrue(Files.exists(MODULE), MODULE + " is missing: apt-get install softhsm2");
        Path tokens = Files.createDirectories(dir.resolve("tokens"));
        conf = Files.writeString(dir.resolve("softhsm2.conf"), "directories.tokendir = " + tokens
                + "\nobjectstore.backend = file\nlog.level = ERROR\n");
        ProcessBuilder initToken = new ProcessBuilder("softhsm2-util", "--init-token", "--free", "--label", "clinic",
                "--pin", PIN, "--so-pin", "9999-officer").redirectErrorStream(true);
        initToken.environment().put("SOFTHSM2_CONF", conf.toString());
        Process init = initToken.start();
        init.getOutputStream().close();
        String output = new String(init.getInputStream().readAllBytes());
        assertTrue(init.waitFor(30, TimeUnit.SECONDS) && init.exitValue() == 0, output);
        uri = "pkcs11:token=clinic?module-path=" + MODULE;
    }

    private Cli cli() {
        return new Cli().env("SOFTHSM2_CONF", conf.toString()).env("UPIN", PIN);
    }

    private JcaPKCS10CertificationRequest csr(String alias, String subject) throws Exception {
        Path out = dir.resolve(alias + System.nanoTime() + ".csr");
        expect(0, cli().run("csr", uri, "--alias", alias, "--subject", subject, "--out", out, "--pin-env", "UPIN"));
        try (PemReader pem = new PemReader(Files.newBufferedReader(out))) {
            return new JcaPKCS10CertificationRequest(pem.readPemObject().getContent());
        }
    }

    private void importChain(String alias, List<X509Certificate> chain) throws IOException, InterruptedException {
        Path file = Files.writeString(dir.resolve(alias + System.nanoTime() + ".pem"), Tokens.pem(chain));
        expect(0, cli().run("cert", "import", uri, "--alias", alias, "--chain", file, "--pin-env", "UPIN"));
    }

    /** The token's objects as pkcs11-tool lists them. */
    private String objects() throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("pkcs11-tool", "--module", MODULE.toString(), "--token-label", "clinic",
                "--login", "--pin", PIN, "--list-objects").redirectErrorStream(true);
        pb.environment().put("SOFTHSM2_CONF", conf.toString());
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, out);
        return out;
    }

    private static int count(String text, String part) {
        return text.split(java.util.regex.Pattern.quote(part), -1).length - 1;
    }

    @Test
    void keygenCsrAndImportWorkAcrossProcessesAndTheOldCredentialServesUntilTheImport() throws Exception {
        TestPki ca = TestPki.create("Regional CA");
        Cli.Result keygen = expect(0, cli().run("keygen", uri, "--alias", "node", "--algorithm", "EC_P256",
                "--pin-env", "UPIN"));
        assertTrue(keygen.out().startsWith("Generated EC_P256 key pair 'node'"), keygen::toString);
        assertTrue(objects().contains("label:      pending:node"), "the pending key is a token object");
        JcaPKCS10CertificationRequest first = csr("node", "CN=clinic-001, O=Example Clinic, C=JP");
        assertEquals("EC", first.getPublicKey().getAlgorithm());
        importChain("node", ca.issue("clinic-001").clientAuth().certifyChain(first.getPublicKey()));
        String afterFirst = objects();
        assertFalse(afterFirst.contains("pending:"), afterFirst);
        assertEquals(first.getPublicKey(), csr("node", "CN=clinic-001").getPublicKey(),
                "without a pending key the request is for the current credential's key");

        expect(0, cli().run("keygen", uri, "--alias", "node", "--algorithm", "RSA_2048", "--pin-env", "UPIN"));
        String pending = objects();
        assertTrue(pending.contains("label:      pending:node") && pending.contains("Certificate Object; type = X.509 cert"
                + "\n  label:      node"), "the old credential stays while the new key waits: " + pending);
        JcaPKCS10CertificationRequest second = csr("node", "CN=clinic-001, O=Example Clinic, C=JP");
        assertEquals("RSA", second.getPublicKey().getAlgorithm());
        List<X509Certificate> chain = ca.issue("clinic-001").clientAuth().certifyChain(second.getPublicKey());
        importChain("node", chain);

        String after = objects();
        assertFalse(after.contains("pending:"), after);
        assertFalse(after.contains("EC_POINT"), "the old EC key is gone: " + after);
        assertEquals(1, count(after, "Certificate Object; type = X.509 cert\n  label:      node\n"), after);
        assertEquals(1, count(after, "Private Key Object; RSA \n  label:      node\n"), after);
        assertEquals(second.getPublicKey(), csr("node", "CN=clinic-001").getPublicKey());
    }

    /**
     * {@code serve} keeps running while other processes renew its SoftHSM2 credential with a new key
     * ({@code keygen}, {@code csr}, {@code cert import}, as an operator would): the next handshake a
     * second later presents the new certificate, with no restart. (The token answers its credential
     * from memory and reads its objects again at most every second; a handshake in between that met
     * the old key's deleted object fails with a typed error and is refused, never signed by it.)
     */
    @Test
    void aRunningServePresentsACredentialAnotherProcessImportedWithinASecond() throws Exception {
        TestPki pki = TestPki.create("Regional CA");
        Path ca = Files.writeString(dir.resolve("ca.pem"), HeldCertificate.pem(pki.caCertificate()));
        Path clinic = Tokens.node(dir.resolve("clinic.stk"), pki, "clinic-001", false);
        expect(0, cli().run("keygen", uri, "--alias", "node", "--algorithm", "RSA_2048", "--pin-env", "UPIN"));
        importChain("node", pki.issue("gateway-first").serverAuth().clientAuth().certifyChain(
                csr("node", "CN=gateway-first").getPublicKey()));
        try (Cli.Running server = cli().background("serve", "--token", uri, "--alias", "node", "--ca", ca, "--port",
                "0", "--pin-env", "UPIN")) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("Listening on 127\\.0\\.0\\.1:(\\d+) ")
                    .matcher(server.nextLine());
            assertTrue(m.find());
            Cli connect = new Cli().env("CPIN", Tokens.USER_PIN);
            Object[] connectArgs = {"connect", "--token", clinic, "--alias", "node", "--ca", ca, "--pin-env", "CPIN",
                "127.0.0.1:" + m.group(1)};
            Cli.Result first = expect(0, connect.stdin("").run(connectArgs));
            assertTrue(first.err().contains("Connected to gateway-first (TLSv1.3"), first::toString);

            expect(0, cli().run("keygen", uri, "--alias", "node", "--algorithm", "RSA_2048", "--pin-env", "UPIN"));
            importChain("node", pki.issue("gateway-renewed").serverAuth().clientAuth().certifyChain(
                    csr("node", "CN=gateway-renewed").getPublicKey()));

            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60))
                    .pollInterval(java.time.Duration.ofMillis(200)).until(() -> {
                        Cli.Result r = connect.stdin("").run(connectArgs);
                        return r.exitCode() == 0 && r.err().contains("Connected to gateway-renewed (TLSv1.3");
                    });
            assertTrue(server.isAlive(), "serve kept running");
        }
    }

    @Test
    void aSoftHsmTokenEnrollsWithTheIssuingServerKeepsTheAnchorPrivatelyAndRenews() throws Exception {
        Path issuerToken = Tokens.empty(dir.resolve("issuer.stk"), 5);
        Path state = dir.resolve("issuer-state");
        Path ca = dir.resolve("ca.pem");
        expect(0, CliTestSupport.withPins().run("issuer", "init", "--token", "soft:" + issuerToken, "--subject",
                "CN=Regional Network CA, C=JP", "--server-name", "127.0.0.1", "--ca-out", ca, "--pin-env", "UPIN"));
        try (Cli.Running server = CliTestSupport.withPins().background("issuer", "serve", "--token",
                "soft:" + issuerToken, "--state", state, "--port", "0", "--pin-env", "UPIN")) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("listening on (https://127\\.0\\.0\\.1:\\d+)/")
                    .matcher(server.nextLine());
            assertTrue(m.find());
            String code = expect(0, new Cli().run("issuer", "invite", "--state", state, "--subject",
                    "CN=clinic-hsm, C=JP")).out().lines().skip(1).findFirst().orElseThrow().trim();

            Cli.Result enrolled = expect(0, cli().env("CODE", code).run("enroll", "--token", uri, "--est", m.group(1),
                    "--issuer-anchor", ca, "--code-env", "CODE", "--pin-env", "UPIN"));
            assertTrue(enrolled.out().startsWith("Enrolled 'node': CN=clinic-hsm,C=JP"), enrolled::toString);
            assertTrue(objects().contains("securetoken:issuer-anchor"), "the anchor is a token object");

            Cli.Result loggedIn = expect(0, cli().run("token", "info", uri, "--pin-env", "UPIN"));
            assertTrue(loggedIn.out().matches("(?s).*lifecycle +7\\.2\\.3 c +M +issuing-server authentication +yes.*"),
                    loggedIn::toString);
            Cli.Result anonymous = expect(0, cli().run("token", "info", uri));
            assertTrue(anonymous.out().matches("(?s).*lifecycle +7\\.2\\.3 c +M +issuing-server authentication +no.*"),
                    anonymous::toString);
            assertTrue(anonymous.out().contains("log in to see"), anonymous::toString);

            Cli.Result renewed = expect(0, cli().run("renew", "--token", uri, "--pin-env", "UPIN"));
            assertTrue(renewed.out().startsWith("Renewed 'node': CN=clinic-hsm,C=JP"), renewed::toString);
        }
    }
}
