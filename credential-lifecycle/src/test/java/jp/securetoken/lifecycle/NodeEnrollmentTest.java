package jp.securetoken.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
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
import jp.securetoken.soft.SoftTokens;
import org.junit.jupiter.api.Test;

/** A node's token enrolls and renews against the issuing server, the key never leaving the token. */
class NodeEnrollmentTest extends WithIssuingServer {
    private static final X500Principal CLINIC = new X500Principal("CN=clinic-010, O=Example Clinic, C=JP");


    private static SecureToken node(String name) throws Exception {
        SecureToken token = SoftTokens.open(IssuerFixture.emptyToken(dir.resolve(name + ".stk")));
        token.login(IssuerFixture.pin());
        return token;
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
            EnrollmentException e = assertThrows(EnrollmentException.class, () -> NodeEnrollment.enroll(token, "other",
                    KeyAlgorithm.EC_P256, server.uri(), stranger, "unused".toCharArray(), null));
            assertEquals(EnrollmentException.Kind.ANCHOR_MISMATCH, e.kind());
            assertThrows(CredentialNotFoundException.class, () -> token.credential("other"));
            assertEquals(1, token.credentials().size());
        }
    }

    @Test
    void aServerThatTheAnchorDoesNotAuthenticateIsRefusedAndNothingIsWritten() throws Exception {
        SecureToken otherCa = IssuerFixture.issuerToken(dir.resolve("impostor.stk"), Clock.systemUTC());
        IssuerState impostorState = IssuerState.open(dir.resolve("impostor-state"));
        String code = impostorState.invite(new X500Principal("CN=clinic-012"), List.of(), Duration.ofDays(1));
        try (EstServer impostor = EstServer.builder(otherCa, impostorState).start(); SecureToken token = node("fooled")) {
            EnrollmentException e = assertThrows(EnrollmentException.class, () -> NodeEnrollment.enroll(token, "node",
                    KeyAlgorithm.EC_P256, impostor.uri(), anchor, code.toCharArray(), null));
            assertEquals(EnrollmentException.Kind.SERVER_NOT_AUTHENTICATED, e.kind(), e.getMessage());
            assertTrue(token.credentials().isEmpty());
            assertTrue(token.lifecycle().issuerAnchors().isEmpty());
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
            EnrollmentException e = assertThrows(EnrollmentException.class, () -> NodeEnrollment.enroll(token, "node",
                    KeyAlgorithm.EC_P256, URI.create("https://127.0.0.1:" + closedPort), anchor, "X".toCharArray(),
                    null));
            assertEquals(EnrollmentException.Kind.SERVER_UNREACHABLE, e.kind());
            assertTrue(token.credentials().isEmpty());
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
        }
    }
}
