package jp.securetoken.lifecycle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.security.auth.x500.X500Principal;

import jp.securetoken.api.Credential;
import jp.securetoken.api.CredentialNotFoundException;
import jp.securetoken.api.JahisCapability;
import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.SecureToken;
import jp.securetoken.lifecycle.issuer.EstServer;
import jp.securetoken.lifecycle.issuer.IssuerState;
import jp.securetoken.lifecycle.node.EnrollmentException;
import jp.securetoken.lifecycle.node.NodeEnrollment;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.junit.jupiter.api.Test;

/**
 * A node's token enrolls and renews against the issuing server, the key never leaving the token.
 * A failed enrollment leaves the token as it was: its file not written, the same credentials, and
 * no key pending for the alias (a pending key is what a certification request would be made for).
 */
class NodeEnrollmentTest extends WithIssuingServer {
    private static final X500Principal CLINIC = new X500Principal("CN=clinic-010, O=Example Clinic, C=JP");

    private static byte[] fileDigest(String name) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(dir.resolve(name + ".stk")));
    }

    private static Map<String, X509Certificate> credentials(SecureToken token) throws Exception {
        Map<String, X509Certificate> out = new TreeMap<>();
        for (Credential c : token.credentials()) {
            out.put(c.alias(), c.certificate());
        }
        return out;
    }

    /** The token holds no generated key waiting for a certificate under {@code alias}. */
    private static void assertNoPendingKey(SecureToken token, String alias) throws Exception {
        X509Certificate current = credentials(token).get(alias);
        if (current == null) {
            assertThrows(CredentialNotFoundException.class, () -> token.lifecycle().createCertificationRequest(alias,
                    CLINIC), "a key is pending for '" + alias + "'");
        } else {
            byte[] request = token.lifecycle().createCertificationRequest(alias, CLINIC);
            assertEquals(current.getPublicKey(), new JcaPKCS10CertificationRequest(request).getPublicKey(),
                    "a new key is pending for '" + alias + "'");
        }
    }

    private static SecureToken node(String name) throws Exception {
        return emptyNode(name);
    }

    @Test
    void enrollRecordsTheAnchorAndRenewReplacesKeyAndCertificate() throws Exception {
        String code = state.invite(CLINIC, List.of(), Duration.ofDays(1));
        try (SecureToken token = node("enrolled")) {
            Credential first = NodeEnrollment.enroll(token, "node", KeyAlgorithm.EC_P256, server.uri(), anchor,
                    code.toCharArray(), null);
            assertEquals(CLINIC, first.certificate().getSubjectX500Principal(), "an empty subject asks for the invited one");
            assertEquals(List.of(anchor), token.lifecycle().issuerAnchors());
            assertTrue(token.capabilities().supports(JahisCapability.ISSUING_SERVER_AUTHENTICATION));
            assertTrue(token.capabilities().supports(JahisCapability.REMOTE_WRITE_UPDATE));

            Credential renewed = NodeEnrollment.renew(token, "node", null, null, true);
            assertEquals(CLINIC, renewed.certificate().getSubjectX500Principal());
            assertNotEquals(first.certificate().getPublicKey(), renewed.certificate().getPublicKey());
            assertEquals(renewed.certificate(), token.credential("node").certificate());
            assertTrue(state.issued().stream().anyMatch(i -> i.serial().equals(renewed.certificate().getSerialNumber())
                    && i.authorisedBy().startsWith("re-enrollment-of-")));
        }
    }

    @Test
    void anotherAnchorIsRefusedBeforeAnyKeyIsGenerated() throws Exception {
        X509Certificate stranger = IssuerFixture.caCertificate(
                IssuerFixture.issuerToken(dir.resolve("stranger.stk"), Clock.systemUTC()));
        String code = state.invite(new X500Principal("CN=clinic-011"), List.of(), Duration.ofDays(1));
        try (SecureToken token = node("anchored")) {
            NodeEnrollment.enroll(token, "node", KeyAlgorithm.EC_P256, server.uri(), anchor, code.toCharArray(), null);
            byte[] file = fileDigest("anchored");
            Map<String, X509Certificate> held = credentials(token);
            for (String alias : List.of("other", "node")) {
                EnrollmentException e = assertThrows(EnrollmentException.class, () -> NodeEnrollment.enroll(token,
                        alias, KeyAlgorithm.EC_P256, server.uri(), stranger, "unused".toCharArray(), null));
                assertEquals(EnrollmentException.Kind.ANCHOR_MISMATCH, e.kind());
                assertNoPendingKey(token, alias);
            }
            assertThrows(CredentialNotFoundException.class, () -> token.credential("other"));
            assertEquals(held, credentials(token));
            assertArrayEquals(file, fileDigest("anchored"), "the token file was written");
            assertEquals(List.of(anchor), token.lifecycle().issuerAnchors());
        }
    }

    @Test
    void aServerThatTheAnchorDoesNotAuthenticateIsRefusedAndNothingIsWritten() throws Exception {
        SecureToken otherCa = IssuerFixture.issuerToken(dir.resolve("impostor.stk"), Clock.systemUTC());
        IssuerState impostorState = IssuerState.open(dir.resolve("impostor-state"));
        String code = impostorState.invite(new X500Principal("CN=clinic-012"), List.of(), Duration.ofDays(1));
        try (EstServer impostor = EstServer.builder(otherCa, impostorState).connectionLimits(IssuerFixture.LOOPBACK).start(); SecureToken token = node("fooled")) {
            byte[] file = fileDigest("fooled");
            EnrollmentException e = assertThrows(EnrollmentException.class, () -> NodeEnrollment.enroll(token, "node",
                    KeyAlgorithm.EC_P256, impostor.uri(), anchor, code.toCharArray(), null));
            assertEquals(EnrollmentException.Kind.SERVER_NOT_AUTHENTICATED, e.kind(), e.getMessage());
            assertTrue(token.credentials().isEmpty());
            assertNoPendingKey(token, "node");
            assertTrue(token.lifecycle().issuerAnchors().isEmpty());
            assertArrayEquals(file, fileDigest("fooled"), "the token file was written");
            assertTrue(impostorState.issued().isEmpty(), "the impostor never saw a request");
        } finally {
            otherCa.close();
        }
    }

    @Test
    void aServerThatIsDownIsATypedErrorAndNothingIsWritten() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        try (SecureToken token = node("offline")) {
            byte[] file = fileDigest("offline");
            EnrollmentException e = assertThrows(EnrollmentException.class, () -> NodeEnrollment.enroll(token, "node",
                    KeyAlgorithm.EC_P256, URI.create("https://127.0.0.1:" + closedPort), anchor, "X".toCharArray(),
                    null));
            assertEquals(EnrollmentException.Kind.SERVER_UNREACHABLE, e.kind());
            assertTrue(token.credentials().isEmpty());
            assertNoPendingKey(token, "node");
            assertTrue(token.lifecycle().issuerAnchors().isEmpty());
            assertArrayEquals(file, fileDigest("offline"), "the token file was written");
        }
    }

    @Test
    void aWrongCodeIsRefusedWithTheServersReason() throws Exception {
        try (SecureToken token = node("wrong-code")) {
            EnrollmentException e = assertThrows(EnrollmentException.class, () -> NodeEnrollment.enroll(token, "node",
                    KeyAlgorithm.EC_P256, server.uri(), anchor, "AAAAA-BBBBB-CCCCC-DDDDD".toCharArray(), null));
            assertEquals(EnrollmentException.Kind.REFUSED, e.kind());
            assertEquals(401, e.httpStatus());
            assertTrue(e.getMessage().contains("unknown or was used"), e.getMessage());
            assertTrue(token.credentials().isEmpty());
            assertNoPendingKey(token, "node"); // generated before the server refused, then deleted
            assertTrue(token.lifecycle().issuerAnchors().isEmpty());
        }
    }
}
