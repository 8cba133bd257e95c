package jp.securetoken.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
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
        lenient = EstServer.builder(caToken, state).requireChannelBinding(false).start();
        strict = EstServer.builder(caToken, state).start();
        Files.writeString(dir.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder()
                .encodeToString(IssuerFixture.caCertificate(caToken).getEncoded()) + "\n-----END CERTIFICATE-----\n");
    }

    @AfterAll
    static void stop() {
        lenient.close();
        strict.close();
        caToken.close();
    }

    private static String run(Path workDir, String... command) throws Exception {
        Process p = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "timed out: " + List.of(command));
        assertEquals(0, p.exitValue(), List.of(command) + " failed: " + out);
        return out;
    }

    private static Path opensslCsr(String subject) throws Exception {
        run(dir, "openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "node.key", "-subj", subject, "-outform", "DER", "-out", "node.csr");
        return Files.write(dir.resolve("node.b64"), Base64.getMimeEncoder().encode(
                Files.readAllBytes(dir.resolve("node.csr"))));
    }

    private static List<String> curl(EstServer server, String code, Path body) throws Exception {
        String out = run(dir, "curl", "-sS", "--max-time", "20", "--cacert", "ca.pem", "-u", "clinic-002:" + code,
                "-H", "Content-Type: application/pkcs10", "--data-binary", "@" + body.getFileName(),
                "-o", "response.txt", "-w", "%{http_code}", server.uri() + "/.well-known/est/simpleenroll");
        return List.of(out.trim(), Files.readString(dir.resolve("response.txt")));
    }

    @Test
    void anOpensslRequestSentWithCurlIsEnrolled() throws Exception {
        String code = state.invite(new X500Principal("CN=clinic-002, O=Example Clinic, C=JP"), List.of(),
                Duration.ofDays(1));
        Path csr = opensslCsr("/C=JP/O=Example Clinic/CN=clinic-002");

        List<String> refused = curl(strict, code, csr);
        assertEquals("400", refused.get(0), refused.get(1));
        assertTrue(refused.get(1).contains("does not prove possession over this TLS connection"), refused.get(1));

        List<String> answer = curl(lenient, code, csr);
        assertEquals("200", answer.get(0), answer.get(1));
        CMSSignedData certsOnly = new CMSSignedData(Base64.getMimeDecoder().decode(answer.get(1)));
        List<X509Certificate> certs = new ArrayList<>();
        for (X509CertificateHolder h : certsOnly.getCertificates().getMatches(null)) {
            certs.add((X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(h.getEncoded())));
        }
        assertEquals(1, certs.size());
        assertEquals(new X500Principal("CN=clinic-002, O=Example Clinic, C=JP"), certs.get(0).getSubjectX500Principal());
        Files.write(dir.resolve("node.crt"), certs.get(0).getEncoded());
        String modulusCheck = run(dir, "openssl", "x509", "-inform", "DER", "-in", "node.crt", "-noout", "-pubkey");
        String keyCheck = run(dir, "openssl", "pkey", "-in", "node.key", "-pubout");
        assertEquals(keyCheck.trim(), modulusCheck.trim(), "the certificate carries openssl's key");

        List<String> again = curl(lenient, code, csr);
        assertEquals("401", again.get(0), "a code enrolls once: " + again.get(1));
    }
}
