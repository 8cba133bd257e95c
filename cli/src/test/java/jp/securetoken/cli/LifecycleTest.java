package jp.securetoken.cli;

import static jp.securetoken.cli.CliTestSupport.expect;
import static jp.securetoken.cli.CliTestSupport.withPins;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;

import jp.securetoken.soft.SoftTokens;
import jp.securetoken.testpki.TestPki;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.bouncycastle.util.io.pem.PemReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** keygen, csr, cert import and cert export: issuing a credential to a token from the command line. */
class LifecycleTest {
    @TempDir
    Path dir;

    @Test
    void keygenCsrImportAndExportIssueACredential() throws Exception {
        TestPki ca = TestPki.create("Regional CA");
        Path token = Tokens.empty(dir.resolve("node.stk"), 5);
        String uri = "soft:" + token;

        Cli.Result keygen = expect(0, withPins().run("keygen", uri, "--alias", "node", "--algorithm", "EC_P384",
                "--pin-env", "UPIN"));
        assertTrue(keygen.out().startsWith("Generated EC_P384 key pair 'node' in token 'node.stk'"), keygen::toString);

        Path csrFile = dir.resolve("node.csr");
        expect(0, withPins().run("csr", uri, "--alias", "node", "--subject", "CN=clinic-001, O=Example Clinic, C=JP",
                "--out", csrFile, "--pin-env", "UPIN"));
        JcaPKCS10CertificationRequest csr;
        try (PemReader pem = new PemReader(Files.newBufferedReader(csrFile))) {
            csr = new JcaPKCS10CertificationRequest(pem.readPemObject().getContent());
        }
        assertEquals("CN=clinic-001,O=Example Clinic,C=JP",
                new javax.security.auth.x500.X500Principal(csr.getSubject().getEncoded()).getName());
        assertTrue(csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(csr.getPublicKey())));

        List<X509Certificate> chain = ca.issue("clinic-001").clientAuth().certifyChain(csr.getPublicKey());
        Path chainFile = Files.writeString(dir.resolve("chain.pem"), Tokens.pem(chain));
        Cli.Result imported = expect(0, withPins().run("cert", "import", uri, "--alias", "node", "--chain",
                chainFile, "--pin-env", "UPIN"));
        assertTrue(imported.out().startsWith("Imported 'node' (2 certificate(s), EC key) into token 'node.stk'"),
                imported::toString);

        Cli.Result pem = expect(0, new Cli().run("cert", "export", uri, "--alias", "node"));
        assertEquals(chain.get(0), SoftTokens.readCertificates(pem.outBytes()).get(0));
        assertEquals(1, SoftTokens.readCertificates(pem.outBytes()).size());

        Cli.Result whole = expect(0, new Cli().run("cert", "export", uri, "--alias", "node", "--chain"));
        assertEquals(chain, SoftTokens.readCertificates(whole.outBytes()));

        Path derFile = dir.resolve("node.der");
        expect(0, new Cli().run("cert", "export", uri, "--alias", "node", "--der", "--out", derFile));
        assertArrayEquals(chain.get(0).getEncoded(), Files.readAllBytes(derFile));

        Cli.Result info = expect(0, new Cli().run("token", "info", uri));
        assertTrue(info.out().contains("  node  (node authentication, EC key)"), info::toString);
    }

    @Test
    void csrToStandardOutputIsPemForTheCurrentKey() throws Exception {
        Path token = Tokens.withCredential(dir.resolve("issued.stk"), TestPki.create("CA"), Duration.ofDays(200));
        Cli.Result r = expect(0, withPins().run("csr", token, "--alias", "node", "--subject", "CN=renewal",
                "--pin-env", "UPIN"));
        assertTrue(r.out().startsWith("-----BEGIN CERTIFICATE REQUEST-----\n"), r::toString);
        assertTrue(r.out().endsWith("-----END CERTIFICATE REQUEST-----\n"), r::toString);
    }

    @Test
    void keygenMakesRsaKeys() throws Exception {
        Path token = Tokens.empty(dir.resolve("rsa.stk"), 5);
        Cli.Result r = expect(0, withPins().run("keygen", token, "--alias", "rsa", "--algorithm", "RSA_2048",
                "--pin-env", "UPIN"));
        assertTrue(r.out().contains("Generated RSA_2048 key pair 'rsa'"), r::toString);
    }

    @Test
    void importingDocumentSigningUsageIsShownByInfoAndAShortLifeIsWarned() throws Exception {
        TestPki ca = TestPki.create("CA");
        Path token = Tokens.empty(dir.resolve("sign.stk"), 5);
        Cli.Result keygen = expect(0, withPins().run("keygen", token, "--alias", "sign", "--algorithm", "EC_P256",
                "--pin-env", "UPIN"));
        String base64 = keygen.out().substring(keygen.out().indexOf("base64): ") + 9).trim();
        java.security.PublicKey key = java.security.KeyFactory.getInstance("EC").generatePublic(
                new java.security.spec.X509EncodedKeySpec(java.util.Base64.getDecoder().decode(base64)));
        Path chainFile = Files.writeString(dir.resolve("sign.pem"), Tokens.pem(ca.issue("signer")
                .validFor(Duration.ofDays(45).plusHours(2)).certifyChain(key)));
        Cli.Result imported = expect(0, withPins().run("cert", "import", token, "--alias", "sign", "--chain",
                chainFile, "--usage", "document-signing", "--pin-env", "UPIN"));
        assertEquals("warning: this certificate expires in 45 days (fewer than 90)\n", imported.err());
        Cli.Result info = expect(0, new Cli().run("token", "info", token));
        assertTrue(info.out().contains("  sign  (document signing, EC key)"), info::toString);
    }
}
