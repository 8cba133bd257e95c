package jp.securetoken.cli;

import static jp.securetoken.cli.CliTestSupport.expect;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;

import jp.securetoken.testpki.TestPki;
import jp.securetoken.testsupport.SoftHsm2;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official JPKI PKCS#11 library route from the command line: {@code nodeauth token info --token
 * 'jpki:auth?route=pkcs11&module-path=…'} on a SoftHSM2 token laid out with the official labels.
 */
class JpkiLibraryCliTest {
    static final String PIN = "4321";

    @TempDir
    static Path dir;
    static SoftHsm2 hsm;
    static String uri;
    static X509Certificate ca;

    @BeforeAll
    static void layOut() throws Exception {
        hsm = SoftHsm2.create(dir);
        hsm.initToken("JPKI", PIN, "87654321");
        TestPki jlis = TestPki.create("JPKI for user authentication");
        KeyPair keys = TestPki.Keys.rsa(2048);
        X509Certificate user = jlis.issue("JPKI user").clientAuth().certify(keys.getPublic());
        ca = jlis.caCertificate();
        hsm.jpkiLayout("JPKI", PIN, keys, user, ca, dir);
        uri = "jpki:auth?route=pkcs11&module-path=" + SoftHsm2.MODULE;
    }

    private static Cli cli() {
        return new Cli().env("JPKI_PIN", PIN).env(hsm.environment());
    }

    @Test
    void tokenInfoReadsTheCredentialThroughTheLibraryAfterLogin() throws Exception {
        Cli.Result before = expect(0, cli().run("token", "info", "--token", uri));
        assertTrue(before.out().contains("My Number Card (user authentication, JPKI library)"), before.toString());
        assertTrue(before.out().contains("Credentials        not shown: private objects need the user PIN"),
                before.toString());
        Cli.Result after = expect(0, cli().run("token", "info", "--token", uri, "--pin-env", "JPKI_PIN"));
        assertTrue(after.out().contains("subject    CN=JPKI user"), after.toString());
        assertTrue(after.out().contains("CACERT"), after.toString());
        assertTrue(after.out().contains("CA certificate     CN=JPKI for user authentication"), after.toString());
        expect(3, cli().env("JPKI_PIN", "9999").run("token", "info", "--token", uri, "--pin-env", "JPKI_PIN"));
    }

    @Test
    void signMakesACmsSignatureThroughTheLibraryThatOpensslVerifies() throws Exception {
        Path document = Files.writeString(dir.resolve("claim.txt"), "レセプト / claim\n");
        Path p7s = dir.resolve("claim.p7s");
        Cli.Result r = expect(0, cli().run("sign", "--token", uri, "--alias", "auth", "--in", document, "--out", p7s,
                "--pin-env", "JPKI_PIN"));
        assertTrue(r.out().contains("rsa_pkcs1_sha256"), r::toString);
        Path caFile = Files.writeString(dir.resolve("jlis-ca.pem"), "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(ca.getEncoded())
                + "\n-----END CERTIFICATE-----\n");
        Process p = new ProcessBuilder("openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", p7s.toString(),
                "-content", document.toString(), "-CAfile", caFile.toString(), "-purpose", "any", "-out", "/dev/null")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "openssl cms did not finish");
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("Verification successful"), out);
    }
}
