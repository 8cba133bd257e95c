package jp.securetoken.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.security.auth.x500.X500Principal;

import jp.securetoken.api.SecureToken;
import jp.securetoken.lifecycle.issuer.EstServer;
import jp.securetoken.lifecycle.issuer.IssuerState;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cert.X509CertificateHolder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Enrollment as an operator would try it by hand: a CSR made with {@code openssl req}, sent with
 * {@code curl} and the enrollment code as the Basic password. curl cannot put the channel binding
 * into the CSR, so this works only on a server told not to require it; the default server refuses.
 * A revocation is then seen as a relying party sees it: the CRL fetched with curl from the address
 * the certificate names, read and checked with openssl.
 */
class CurlEnrollTest {
    @TempDir
    static Path dir;
    static SecureToken caToken;
    static IssuerState state;
    static EstServer lenient;
    static EstServer strict;

    @BeforeAll
    static void start() throws Exception {
        caToken = IssuerFixture.issuerToken(dir.resolve("issuer.stk"), Clock.systemUTC());
        state = IssuerState.open(dir.resolve("state"));
        lenient = EstServer.builder(caToken, state).connectionLimits(IssuerFixture.LOOPBACK).requireChannelBinding(false).crlPort(0).start();
        strict = EstServer.builder(caToken, state).connectionLimits(IssuerFixture.LOOPBACK).start();
        Files.writeString(dir.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder()
                .encodeToString(IssuerFixture.caCertificate(caToken).getEncoded()) + "\n-----END CERTIFICATE-----\n");
    }

    @AfterAll
    static void stop() {
        lenient.close();
        strict.close();
        caToken.close();
    }

    /** What a tool printed (standard output and error) and its exit code. */
    private record Outcome(int exitCode, String output) {
    }

    private static Outcome exec(Path workDir, String... command) throws Exception {
        Process p = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "timed out: " + List.of(command));
        return new Outcome(p.exitValue(), out);
    }

    private static String run(Path workDir, String... command) throws Exception {
        Outcome o = exec(workDir, command);
        assertEquals(0, o.exitCode(), List.of(command) + " failed: " + o.output());
        return o.output();
    }

    private static Path opensslCsr(Path workDir, String subject) throws Exception {
        run(workDir, "openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "node.key", "-subj", subject, "-outform", "DER", "-out", "node.csr");
        return Files.write(workDir.resolve("node.b64"), Base64.getMimeEncoder().encode(
                Files.readAllBytes(workDir.resolve("node.csr"))));
    }

    private static List<String> curl(EstServer server, String code, Path body) throws Exception {
        Path workDir = body.getParent();
        String out = run(workDir, "curl", "-sS", "--max-time", "20", "--cacert", dir.resolve("ca.pem").toString(),
                "-u", "clinic-002:" + code, "-H", "Content-Type: application/pkcs10", "--data-binary",
                "@" + body.getFileName(), "-o", "response.txt", "-w", "%{http_code}",
                server.uri() + "/.well-known/est/simpleenroll");
        return List.of(out.trim(), Files.readString(workDir.resolve("response.txt")));
    }

    private static X509Certificate issued(String certsOnlyBase64) throws Exception {
        CMSSignedData certsOnly = new CMSSignedData(Base64.getMimeDecoder().decode(certsOnlyBase64));
        List<X509Certificate> certs = new ArrayList<>();
        for (X509CertificateHolder h : certsOnly.getCertificates().getMatches(null)) {
            certs.add((X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(h.getEncoded())));
        }
        assertEquals(1, certs.size());
        return certs.get(0);
    }

    /** Fetches {@code url} with curl into {@code name}.pem (PEM, converted by openssl crl); the CRL's text. */
    private static String fetchCrl(Path workDir, String url, String name) throws Exception {
        run(workDir, "curl", "-sS", "--fail", "--max-time", "20", "-o", name + ".der", url);
        run(workDir, "openssl", "crl", "-inform", "DER", "-in", name + ".der", "-out", name + ".pem");
        return run(workDir, "openssl", "crl", "-in", name + ".pem", "-CAfile", dir.resolve("ca.pem").toString(),
                "-noout", "-text");
    }

    private static List<BigInteger> serialsListed(String crlText) {
        List<BigInteger> serials = new ArrayList<>();
        Matcher m = Pattern.compile("Serial Number: ([0-9A-Fa-f]+)").matcher(crlText);
        while (m.find()) {
            serials.add(new BigInteger(m.group(1), 16));
        }
        return serials;
    }

    @Test
    void anOpensslRequestSentWithCurlIsEnrolled() throws Exception {
        String code = state.invite(new X500Principal("CN=clinic-002, O=Example Clinic, C=JP"), List.of(),
                Duration.ofDays(1));
        Path csr = opensslCsr(dir, "/C=JP/O=Example Clinic/CN=clinic-002");

        List<String> refused = curl(strict, code, csr);
        assertEquals("400", refused.get(0), refused.get(1));
        assertTrue(refused.get(1).contains("does not prove possession over this TLS connection"), refused.get(1));

        List<String> answer = curl(lenient, code, csr);
        assertEquals("200", answer.get(0), answer.get(1));
        X509Certificate cert = issued(answer.get(1));
        assertEquals(new X500Principal("CN=clinic-002, O=Example Clinic, C=JP"), cert.getSubjectX500Principal());
        Files.write(dir.resolve("node.crt"), cert.getEncoded());
        String modulusCheck = run(dir, "openssl", "x509", "-inform", "DER", "-in", "node.crt", "-noout", "-pubkey");
        String keyCheck = run(dir, "openssl", "pkey", "-in", "node.key", "-pubout");
        assertEquals(keyCheck.trim(), modulusCheck.trim(), "the certificate carries openssl's key");

        List<String> again = curl(lenient, code, csr);
        assertEquals("401", again.get(0), "a code enrolls once: " + again.get(1));
    }

    @Test
    void aRevocationIsPublishedAtTheCrlDistributionPointTheCertificateNames() throws Exception {
        Path work = Files.createDirectories(dir.resolve("revocation"));
        String code = state.invite(new X500Principal("CN=clinic-003, O=Example Clinic, C=JP"), List.of(),
                Duration.ofDays(1));
        List<String> answer = curl(lenient, code, opensslCsr(work, "/C=JP/O=Example Clinic/CN=clinic-003"));
        assertEquals("200", answer.get(0), answer.get(1));
        X509Certificate cert = issued(answer.get(1));
        Files.write(work.resolve("node.der"), cert.getEncoded());
        run(work, "openssl", "x509", "-inform", "DER", "-in", "node.der", "-out", "node.pem");

        String extension = run(work, "openssl", "x509", "-in", "node.pem", "-noout", "-ext", "crlDistributionPoints");
        Matcher uri = Pattern.compile("URI:(\\S+)").matcher(extension);
        assertTrue(uri.find(), "the certificate names a CRL distribution point: " + extension);
        String crlUrl = uri.group(1);
        assertEquals(lenient.crlDistributionPoint().orElseThrow().toString(), crlUrl);
        assertTrue(crlUrl.startsWith("http://127.0.0.1:"), "plain http, as CRL checkers fetch it: " + crlUrl);

        String before = fetchCrl(work, crlUrl, "before");
        assertTrue(before.contains("verify OK"), "the CRL is signed by the issuing CA: " + before);
        assertFalse(serialsListed(before).contains(cert.getSerialNumber()), before);
        Outcome valid = exec(work, "openssl", "verify", "-crl_check", "-CAfile", dir.resolve("ca.pem").toString(),
                "-CRLfile", "before.pem", "node.pem");
        assertEquals(0, valid.exitCode(), "not revoked yet: " + valid.output());

        assertTrue(state.revoke(cert.getSerialNumber(), "token lost"), "the operator revokes (issuer revoke)");

        String after = fetchCrl(work, crlUrl, "after");
        assertTrue(after.contains("verify OK"), "the new CRL is signed by the issuing CA: " + after);
        assertTrue(serialsListed(after).contains(cert.getSerialNumber()), "serial " + cert.getSerialNumber()
                .toString(16) + " listed: " + after);
        Outcome revoked = exec(work, "openssl", "verify", "-crl_check", "-CAfile", dir.resolve("ca.pem").toString(),
                "-CRLfile", "after.pem", "node.pem");
        assertNotEquals(0, revoked.exitCode(), revoked.output());
        assertTrue(revoked.output().contains("certificate revoked"), revoked.output());

        Outcome otherCa = exec(work, "openssl", "crl", "-in", "after.pem", "-CAfile", "node.pem", "-noout");
        assertNotEquals(0, otherCa.exitCode(), "the CRL verifies against its CA only: " + otherCa.output());
    }
}
