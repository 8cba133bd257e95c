package jp.securetoken.cli;

import static jp.securetoken.cli.CliTestSupport.expect;
import static jp.securetoken.cli.CliTestSupport.withPins;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import jp.securetoken.api.CredentialUsage;
import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.PinCallback;
import jp.securetoken.api.SecureToken;
import jp.securetoken.soft.SoftTokens;
import jp.securetoken.testpki.HeldCertificate;
import jp.securetoken.testpki.TestPki;
import jp.securetoken.testsupport.csc.CscTestService;

/**
 * {@code nodeauth sign}: a detached CMS signature made in a soft token and in a remote signing
 * service (csc:), each accepted by Debian's {@code openssl cms -verify} and refused once the
 * document changes.
 */
class SignTest {
    private static final String CSC_PIN = "5678";

    @TempDir
    Path dir;

    private final TestPki ca = TestPki.create("Document Signing CA");
    private SecureToken store;

    @org.junit.jupiter.api.AfterEach
    void closeKeyStore() {
        if (store != null) {
            store.close();
        }
    }

    /** Runs {@code openssl cms -verify} on a detached DER signature; returns its exit code and output. */
    private Cli.Result opensslVerify(Path p7s, Path content) throws IOException, InterruptedException {
        Path anchors = Files.writeString(dir.resolve("ca.pem"), HeldCertificate.pem(ca.caCertificate()));
        Process p = new ProcessBuilder("openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", p7s.toString(),
                "-content", content.toString(), "-CAfile", anchors.toString(), "-purpose", "any", "-out", "/dev/null")
                .redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "openssl cms did not finish");
        String text = new String(out, StandardCharsets.UTF_8);
        return new Cli.Result(p.exitValue(), text, text, out);
    }

    private void assertVerifiesOnlyUnchanged(Path p7s, Path document) throws Exception {
        Cli.Result ok = opensslVerify(p7s, document);
        assertEquals(0, ok.exitCode(), ok::toString);
        assertTrue(ok.out().contains("Verification successful"), ok::toString);
        Path changed = Files.writeString(dir.resolve("changed.txt"), Files.readString(document) + " (amended)");
        assertNotEquals(0, opensslVerify(p7s, changed).exitCode());
    }

    @Test
    void aSoftTokenSignsADocumentThatOpensslCmsVerifies() throws Exception {
        Path token = Tokens.withCredential(dir.resolve("node.stk"), ca, Duration.ofDays(30));
        Path document = Files.writeString(dir.resolve("referral.txt"), "紹介状: patient 0001, clinic-001\n");
        Path p7s = dir.resolve("referral.p7s");

        Cli.Result r = expect(0, withPins().run("sign", "--token", "soft:" + token, "--alias", "node", "--in", document,
                "--out", p7s, "--pin-env", "UPIN"));
        assertTrue(r.out().contains("ecdsa_secp256r1_sha256"), r::toString);
        assertVerifiesOnlyUnchanged(p7s, document);
    }

    /** A signing service whose key store is a soft token holding alice's document-signing key. */
    private CscTestService remoteService(TestPki serviceCa) throws Exception {
        Path keys = Tokens.empty(dir.resolve("service.stk"), 5);
        store = SoftTokens.open(keys);
        try (PinCallback.Fixed pin = PinCallback.fixed(Tokens.USER_PIN.toCharArray())) {
            store.login(pin);
        }
        store.lifecycle().enroll("alice-sign", KeyAlgorithm.RSA_2048, CredentialUsage.DOCUMENT_SIGNING,
                key -> ca.issue("Alice Remote Signer").certifyChain(key));
        return CscTestService.start(serviceCa).addClient("signing-app", "app-secret", "alice")
                .addCredential("alice", "alice-sign", store.credential("alice-sign"),
                        CscTestService.Activation.pin(CSC_PIN));
    }

    private String address(CscTestService csc, TestPki trusted) throws IOException {
        Path anchors = Files.writeString(dir.resolve("service-ca.pem"), HeldCertificate.pem(trusted.caCertificate()));
        return "csc://localhost:" + csc.port() + "/csc/v2?credential=alice-sign&client-id=signing-app"
                + "&client-secret-env=CSC_SECRET&trust=" + anchors;
    }

    @Test
    void aRemoteSigningServiceSignsADocumentThatOpensslCmsVerifies() throws Exception {
        TestPki serviceCa = TestPki.create("CSC Service TLS CA");
        try (CscTestService csc = remoteService(serviceCa)) {
            Path document = Files.writeString(dir.resolve("prescription.txt"), "処方箋 No. 42\n");
            Path p7s = dir.resolve("prescription.p7s");
            Cli.Result r = expect(0, new Cli().env("CSC_SECRET", "app-secret").env("CSC_PIN", CSC_PIN).run("sign",
                    "--token", address(csc, serviceCa), "--alias", "alice-sign", "--in", document, "--out", p7s,
                    "--pin-env", "CSC_PIN"));
            assertTrue(r.out().contains("rsa_pkcs1_sha256"), r::toString);
            assertEquals(1, csc.signatureCount());
            assertVerifiesOnlyUnchanged(p7s, document);
        }
    }

    @Test
    void aRemoteSignatureWithTheWrongPinExitsWithTheAuthenticationCode() throws Exception {
        TestPki serviceCa = TestPki.create("CSC Service TLS CA");
        try (CscTestService csc = remoteService(serviceCa)) {
            Path document = Files.writeString(dir.resolve("doc.txt"), "doc\n");
            Cli.Result r = expect(3, new Cli().env("CSC_SECRET", "app-secret").env("CSC_PIN", "0000").run("sign",
                    "--token", address(csc, serviceCa), "--alias", "alice-sign", "--in", document,
                    "--out", dir.resolve("doc.p7s"), "--pin-env", "CSC_PIN"));
            assertFalse(r.err().contains("0000"), r::toString);
            assertFalse(r.err().contains("Exception"), r::toString);
            assertFalse(Files.exists(dir.resolve("doc.p7s")));
            assertEquals(0, csc.signatureCount());
        }
    }

    @Test
    void aSigningServiceWithAnUntrustedCertificateOrNoneListeningHasItsOwnExitCode() throws Exception {
        TestPki serviceCa = TestPki.create("CSC Service TLS CA");
        Path document = Files.writeString(dir.resolve("doc.txt"), "doc\n");
        String address;
        try (CscTestService csc = remoteService(serviceCa)) {
            expect(5, new Cli().env("CSC_SECRET", "app-secret").env("CSC_PIN", CSC_PIN).run("sign", "--token",
                    address(csc, TestPki.create("Impostor CA")), "--alias", "alice-sign", "--in", document,
                    "--out", dir.resolve("doc.p7s"), "--pin-env", "CSC_PIN"));
            address = address(csc, serviceCa);
        }
        expect(4, new Cli().env("CSC_SECRET", "app-secret").env("CSC_PIN", CSC_PIN).run("sign", "--token", address,
                "--alias", "alice-sign", "--in", document, "--out", dir.resolve("doc.p7s"), "--pin-env", "CSC_PIN"));
    }
}
