package jp.securetoken.cli;

import static jp.securetoken.cli.CliTestSupport.expect;
import static jp.securetoken.cli.CliTestSupport.withPins;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import jp.securetoken.api.Credential;
import jp.securetoken.api.PinCallback;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.SignatureScheme;
import jp.securetoken.soft.SoftTokens;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code soft import}: a PKCS#12 file made by openssl into a new or existing software token, as a separate process. */
class SoftImportTest {
    private static final String PASSWORD = "p12-Secret-77";

    @TempDir
    Path dir;

    /** Runs openssl in {@code dir} with P12PASS in its environment; fails the test when it fails. */
    private void openssl(String... args) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(args).directory(dir.toFile()).redirectErrorStream(true);
        pb.command().add(0, "openssl");
        pb.environment().put("P12PASS", PASSWORD);
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "openssl did not finish");
        assertEquals(0, p.exitValue(), "openssl " + String.join(" ", args) + ": " + output);
    }

    /** A CA and a leaf it signed, exported with their chain as {@code name.p12}. */
    private Path p12(String name, List<String> keyAlgorithm) throws Exception {
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                "ca.key", "-out", "ca.pem", "-subj", "/C=JP/O=Example Region/CN=Regional Network CA", "-days", "30",
                "-addext", "basicConstraints=critical,CA:true", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        List<String> req = new java.util.ArrayList<>(List.of("req", "-new", "-newkey"));
        req.addAll(keyAlgorithm);
        req.addAll(List.of("-nodes", "-keyout", name + ".key", "-out", name + ".csr", "-subj",
                "/C=JP/O=Example Clinic/CN=" + name));
        openssl(req.toArray(String[]::new));
        Files.writeString(dir.resolve("leaf.ext"), "basicConstraints=CA:false\nkeyUsage=critical,digitalSignature\n"
                + "extendedKeyUsage=clientAuth,serverAuth\n");
        openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out",
                name + ".pem", "-days", "30", "-extfile", "leaf.ext");
        openssl("pkcs12", "-export", "-inkey", name + ".key", "-in", name + ".pem", "-certfile", "ca.pem", "-name",
                name, "-passout", "env:P12PASS", "-out", name + ".p12");
        Files.delete(dir.resolve(name + ".key"));
        return dir.resolve(name + ".p12");
    }

    /** Signs with the imported key through the token and checks the signature with the certificate. */
    private static void signsForItsCertificate(SecureToken token, Credential credential) throws Exception {
        byte[] message = "imported key signs in the token".getBytes();
        SignatureScheme scheme = jp.securetoken.api.CertificationRequests.defaultScheme(credential.key());
        byte[] signature = credential.key().sign(scheme, message);
        Signature verifier = Signature.getInstance(scheme.jcaAlgorithm());
        if (scheme.jcaParameters().isPresent()) {
            verifier.setParameter(scheme.jcaParameters().get());
        }
        verifier.initVerify(credential.certificate().getPublicKey());
        verifier.update(message);
        assertTrue(verifier.verify(signature), "the token's key is the file's");
    }

    @Test
    void anEcKeyAndChainGoIntoANewTokenAndSignThere() throws Exception {
        Path file = p12("clinic-020", List.of("ec", "-pkeyopt", "ec_paramgen_curve:P-256"));
        Path token = dir.resolve("node.stk");
        Cli.Result r = expect(0, withPins().env("P12PASS", PASSWORD).run("soft", "import", file, "--token",
                "soft:" + token, "--alias", "node", "--label", "clinic-020", "--kdf-iterations", "10000",
                "--password-env", "P12PASS", "--pin-env", "UPIN", "--admin-pin-env", "APIN"));
        assertTrue(r.out().contains("Imported 'node' (2 certificate(s), EC key) from clinic-020.p12 into token "
                + "'clinic-020': CN=clinic-020,O=Example Clinic,C=JP"), r::toString);
        assertTrue(r.err().contains("delete " + file), r::toString);
        assertFalse(r.out().contains(PASSWORD) || r.err().contains(PASSWORD), r::toString);
        X509Certificate leaf = SoftTokens.readCertificates(Files.readAllBytes(dir.resolve("clinic-020.pem"))).get(0);
        try (SecureToken t = SoftTokens.open(token); PinCallback.Fixed pin = PinCallback.fixed(
                Tokens.USER_PIN.toCharArray())) {
            t.login(pin);
            Credential c = t.credential("node");
            assertEquals(leaf, c.certificate());
            assertEquals(2, c.chain().size());
            signsForItsCertificate(t, c);
        }
    }

    @Test
    void anRsaKeyGoesIntoAnExistingTokenWithThePasswordFromAFile() throws Exception {
        Path file = p12("clinic-021", List.of("rsa:2048"));
        Path token = Tokens.empty(dir.resolve("existing.stk"), 5);
        Path passwordFile = Files.writeString(dir.resolve("p12.pass"), PASSWORD + "\n");
        expect(0, withPins().run("soft", "import", file, "--token", token, "--alias", "legacy",
                "--password-file", passwordFile, "--pin-env", "UPIN"));
        try (SecureToken t = SoftTokens.open(token); PinCallback.Fixed pin = PinCallback.fixed(
                Tokens.USER_PIN.toCharArray())) {
            t.login(pin);
            signsForItsCertificate(t, t.credential("legacy"));
        }
        Cli.Result again = expect(6, withPins().run("soft", "import", file, "--token", token, "--alias", "legacy",
                "--password-file", passwordFile, "--pin-env", "UPIN"));
        assertTrue(again.err().contains("already holds 'legacy'"), again::toString);
    }

    @Test
    void aWrongPasswordIsExit3AndCreatesNothing() throws Exception {
        Path file = p12("clinic-022", List.of("ec", "-pkeyopt", "ec_paramgen_curve:P-256"));
        Path token = dir.resolve("never.stk");
        Cli.Result r = expect(3, withPins().env("P12PASS", "not-" + PASSWORD).run("soft", "import", file,
                "--token", "soft:" + token, "--alias", "node", "--label", "never", "--password-env", "P12PASS",
                "--pin-env", "UPIN", "--admin-pin-env", "APIN"));
        assertTrue(r.err().contains("password of " + file + " is not correct"), r::toString);
        assertFalse(r.err().contains("Exception") || r.err().contains(PASSWORD), r::toString);
        assertFalse(Files.exists(token));
    }

    @Test
    void aCorruptFileIsExit6AndTheTokenIsUntouched() throws Exception {
        Path file = p12("clinic-023", List.of("ec", "-pkeyopt", "ec_paramgen_curve:P-256"));
        byte[] bytes = Files.readAllBytes(file);
        Path corrupt = Files.write(dir.resolve("corrupt.p12"), Arrays.copyOf(bytes, bytes.length / 2));
        Path token = Tokens.empty(dir.resolve("kept.stk"), 5);
        byte[] before = Files.readAllBytes(token);
        Cli.Result r = expect(6, withPins().env("P12PASS", PASSWORD).run("soft", "import", corrupt, "--token",
                token, "--alias", "node", "--password-env", "P12PASS", "--pin-env", "UPIN"));
        assertTrue(r.err().contains("is not a readable PKCS#12 file"), r::toString);
        assertArrayEquals(before, Files.readAllBytes(token));
    }
}
