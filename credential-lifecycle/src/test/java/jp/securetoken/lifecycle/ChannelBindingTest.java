package jp.securetoken.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.security.auth.x500.X500Principal;

import jp.securetoken.api.Credential;
import jp.securetoken.api.CredentialSource;
import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.TokenKey;
import jp.securetoken.lifecycle.issuer.EstServer;
import jp.securetoken.lifecycle.issuer.IssuerState;
import jp.securetoken.lifecycle.node.EnrollmentException;
import jp.securetoken.lifecycle.node.EstClient;
import jp.securetoken.lifecycle.node.NodeEnrollment;
import jp.securetoken.soft.SoftTokens;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cms.CMSSignedData;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Proof of possession bound to the TLS connection: RFC 9266 tls-exporter on TLS 1.3 (the node's
 * default), tls-unique on TLS 1.2. OpenSSL's s_client is the outside party that derives the
 * exporter value of its own connection: a request carrying it is accepted on that connection and
 * refused on any other.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ChannelBindingTest extends WithIssuingServer {

    @BeforeAll
    static void caFile() throws Exception {
        Files.writeString(dir.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder()
                .encodeToString(anchor.getEncoded()) + "\n-----END CERTIFICATE-----\n");
        run("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "outside.key");
    }

    private static SecureToken node(String name) throws Exception {
        SecureToken token = SoftTokens.open(IssuerFixture.emptyToken(dir.resolve(name + ".stk")));
        token.login(IssuerFixture.pin());
        return token;
    }

    /** The audit line of the certificate issued with {@code serial}. */
    private static String auditOf(X509Certificate issued) throws IOException {
        String serial = "serial=" + issued.getSerialNumber().toString(16) + " ";
        return Files.readAllLines(state.auditLog()).stream().filter(l -> l.contains(" issued ") && l.contains(serial))
                .findFirst().orElseThrow(() -> new AssertionError("no audit line for " + serial));
    }

    @Test
    void aNodeEnrollsAndRenewsOverTls13WithTheExporterBinding() throws Exception {
        String code = state.invite(new X500Principal("CN=clinic-020"), List.of(), Duration.ofDays(1));
        try (SecureToken token = node("tls13")) {
            Credential first = NodeEnrollment.enroll(token, "node", KeyAlgorithm.EC_P256, server.uri(), anchor,
                    code.toCharArray(), null);
            assertTrue(auditOf(first.certificate()).endsWith("/TLSv1.3/tls-exporter"), auditOf(first.certificate()));
            Credential renewed = NodeEnrollment.renew(token, "node", null, null, true);
            assertTrue(auditOf(renewed.certificate()).contains("by=re-enrollment-of-"));
            assertTrue(auditOf(renewed.certificate()).endsWith("/TLSv1.3/tls-exporter"),
                    "mutual TLS 1.3 with the token's key: " + auditOf(renewed.certificate()));
        }
    }

    @Test
    void overTls12TheRequestIsBoundWithTlsUnique() throws Exception {
        String code = state.invite(new X500Principal("CN=clinic-021"), List.of(), Duration.ofDays(1));
        try (SecureToken token = node("tls12")) {
            TokenKey key = token.lifecycle().generateKeyPair("node", KeyAlgorithm.EC_P256);
            X509Certificate issued = EstClient.to(server.uri(), anchor).tls12Only().enroll(key, null,
                    code.toCharArray());
            assertEquals(key.publicKey(), issued.getPublicKey());
            assertTrue(auditOf(issued).endsWith("/TLSv1.2/tls-unique"), auditOf(issued));
        }
    }

    @Test
    void overTls13ACertificateFromAnotherCaCannotReenrollAndNothingIsIssued() throws Exception {
        SecureToken strangerCa = IssuerFixture.issuerToken(dir.resolve("stranger-ca.stk"), java.time.Clock.systemUTC());
        X509Certificate strangerAnchor = IssuerFixture.caCertificate(strangerCa);
        IssuerState strangerState = IssuerState.open(dir.resolve("stranger-state"));
        try (EstServer stranger = EstServer.builder(strangerCa, strangerState).connectionLimits(IssuerFixture.LOOPBACK).start();
                SecureToken token = node("foreign")) {
            String code = strangerState.invite(new X500Principal("CN=clinic-024"), List.of(), Duration.ofDays(1));
            NodeEnrollment.enroll(token, "node", KeyAlgorithm.EC_P256, stranger.uri(), strangerAnchor,
                    code.toCharArray(), null);
            int before = state.issued().size();
            TokenKey next = token.lifecycle().generateKeyPair("next", KeyAlgorithm.EC_P256);
            EnrollmentException e = assertThrows(EnrollmentException.class, () -> EstClient.to(server.uri(), anchor)
                    .reenroll(CredentialSource.of(token, "node"), next, new X500Principal("CN=clinic-024")));
            assertEquals(EnrollmentException.Kind.SERVER_NOT_AUTHENTICATED, e.kind(), e.getMessage());
            assertTrue(e.getMessage().contains("bad_certificate"), e.getMessage());
            assertEquals(before, state.issued().size(), "nothing was issued");
        } finally {
            strangerCa.close();
        }
    }

    @Test
    void theExporterValueOpensslDerivesProvesPossessionOnItsConnectionAndIsRefusedOnAnother() throws Exception {
        String code = state.invite(new X500Principal("CN=clinic-022"), List.of(), Duration.ofDays(1));
        try (SClient own = SClient.connect(); SClient other = SClient.connect()) {
            byte[] exporter = own.exporter();
            assertEquals(32, exporter.length);
            assertFalse(Arrays.equals(exporter, other.exporter()), "each connection has its own exporter value");
            byte[] csr = opensslCsr("clinic-022", Base64.getEncoder().encodeToString(exporter));

            Response replayed = other.enroll(csr, code);
            assertEquals(400, replayed.status(), replayed.body());
            assertTrue(replayed.body().contains("channel binding is not this TLS connection's"), replayed.body());
            assertTrue(Files.readString(state.auditLog()).contains("reason=CHANNEL_BINDING_MISMATCH"));

            Response bound = own.enroll(csr, code);
            assertEquals(200, bound.status(), bound.body());
            X509Certificate issued = certificate(bound.body());
            assertEquals(new X500Principal("CN=clinic-022"), issued.getSubjectX500Principal());
            assertTrue(auditOf(issued).endsWith("/TLSv1.3/tls-exporter"), auditOf(issued));
            Files.write(dir.resolve("outside.crt"), issued.getEncoded());
            assertEquals(run("openssl", "pkey", "-in", "outside.key", "-pubout").trim(),
                    run("openssl", "x509", "-inform", "DER", "-in", "outside.crt", "-noout", "-pubkey").trim(),
                    "the certificate carries openssl's key");
        }
    }

    @Test
    void aTls13RequestWithoutTheBindingIsRefused() throws Exception {
        String code = state.invite(new X500Principal("CN=clinic-023"), List.of(), Duration.ofDays(1));
        try (SClient client = SClient.connect()) {
            assertEquals(32, client.exporter().length);
            Response unbound = client.enroll(opensslCsr("clinic-023", null), code);
            assertEquals(400, unbound.status(), unbound.body());
            assertTrue(unbound.body().contains("does not prove possession over this TLS connection"), unbound.body());
        }
    }

    /** A DER request made by {@code openssl req} with the outside key, with a challengePassword when given. */
    private static byte[] opensslCsr(String commonName, String challengePassword) throws Exception {
        String config = "[req]\nprompt = no\ndistinguished_name = dn\n"
                + (challengePassword == null ? "" : "attributes = attrs\n[attrs]\nchallengePassword = "
                + challengePassword + "\n")
                + "[dn]\nCN = " + commonName + "\n";
        Files.writeString(dir.resolve("req.cnf"), config);
        run("openssl", "req", "-new", "-key", "outside.key", "-config", "req.cnf", "-outform", "DER", "-out",
                "outside.csr");
        return Files.readAllBytes(dir.resolve("outside.csr"));
    }

    private static X509Certificate certificate(String base64CertsOnly) throws Exception {
        CMSSignedData certsOnly = new CMSSignedData(Base64.getMimeDecoder().decode(base64CertsOnly.trim()));
        List<X509Certificate> certs = new ArrayList<>();
        for (X509CertificateHolder h : certsOnly.getCertificates().getMatches(null)) {
            certs.add((X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(h.getEncoded())));
        }
        assertEquals(1, certs.size());
        return certs.get(0);
    }

    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "timed out: " + List.of(command));
        assertEquals(0, p.exitValue(), List.of(command) + " failed: " + out);
        return out;
    }

    record Response(int status, String body) {
    }

    /**
     * {@code openssl s_client} over TLS 1.3 to the issuing server, printing the RFC 9266 exporter
     * value (label EXPORTER-Channel-Binding, 32 bytes, no context) of its connection; HTTP is typed
     * into it as a user would.
     */
    static final class SClient implements AutoCloseable {
        private final Process process;
        private final BufferedReader out;
        private final byte[] exporter;

        private SClient(Process process) throws IOException {
            this.process = process;
            this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.ISO_8859_1));
            String marker = "    Keying material: ";
            String line;
            StringBuilder seen = new StringBuilder();
            while ((line = out.readLine()) != null && !line.startsWith(marker)) {
                seen.append(line).append('\n');
            }
            assertNotNull(line, "s_client printed no exporter value:\n" + seen);
            assertTrue(seen.toString().contains("TLSv1.3"), seen.toString());
            this.exporter = HexFormat.of().parseHex(line.substring(marker.length()).trim());
        }

        static SClient connect() throws IOException {
            Process p = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + server.port(),
                    "-tls1_3", "-noservername", "-CAfile", "ca.pem", "-verify_return_error",
                    "-keymatexport", "EXPORTER-Channel-Binding", "-keymatexportlen", "32",
                    "-nocommands", "-crlf", "-ign_eof").directory(dir.toFile()).redirectErrorStream(true).start();
            try {
                return new SClient(p);
            } catch (IOException | RuntimeException | AssertionError e) {
                p.destroyForcibly();
                throw e;
            }
        }

        byte[] exporter() {
            return exporter.clone();
        }

        /** POSTs {@code csr} to simpleenroll with {@code code} as the Basic password, over this connection. */
        Response enroll(byte[] csr, String code) throws IOException {
            String body = Base64.getEncoder().encodeToString(csr); // one line: -crlf changes no byte of it
            String auth = Base64.getEncoder().encodeToString(("outside:" + code).getBytes(StandardCharsets.UTF_8));
            String request = "POST /.well-known/est/simpleenroll HTTP/1.1\nHost: 127.0.0.1:" + server.port()
                    + "\nAuthorization: Basic " + auth + "\nContent-Type: application/pkcs10\n"
                    + "Content-Transfer-Encoding: base64\nContent-Length: " + body.length() + "\n\n" + body;
            OutputStream in = process.getOutputStream();
            in.write(request.getBytes(StandardCharsets.US_ASCII));
            in.flush();
            String line;
            while ((line = out.readLine()) != null && !line.startsWith("HTTP/1.1 ")) {
                // s_client's own reports
            }
            assertNotNull(line, "no HTTP answer");
            int status = Integer.parseInt(line.split(" ")[1]);
            int length = -1;
            while (!(line = out.readLine()).isEmpty()) {
                if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                    length = Integer.parseInt(line.substring(15).trim());
                }
            }
            char[] content = new char[length];
            for (int n = 0; n < length; ) {
                int r = out.read(content, n, length - n);
                if (r < 0) {
                    throw new IOException("the answer ended early");
                }
                n += r;
            }
            return new Response(status, new String(content));
        }

        @Override
        public void close() {
            process.destroy();
        }
    }
}
