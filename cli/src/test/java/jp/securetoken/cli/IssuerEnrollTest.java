package jp.securetoken.cli;

import static jp.securetoken.cli.CliTestSupport.expect;
import static jp.securetoken.cli.CliTestSupport.withPins;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lifecycle as the operator and a clinic run it, every step a separate nodeauth process: issuer
 * init, issuer serve, issuer invite, enroll, renew, issuer list and revoke, and the refusals.
 */
class IssuerEnrollTest {
    @TempDir
    Path dir;

    private static String serial(String out) {
        Matcher m = Pattern.compile("serial ([0-9a-f]+)").matcher(out);
        assertTrue(m.find(), out);
        return m.group(1);
    }

    @Test
    void anOperatorInvitesAClinicEnrollsRenewsAndIsRevoked() throws Exception {
        Path issuerToken = Tokens.empty(dir.resolve("issuer.stk"), 5);
        Path state = dir.resolve("issuer-state");
        Path ca = dir.resolve("ca.pem");
        Cli.Result init = expect(0, withPins().run("issuer", "init", "--token", "soft:" + issuerToken, "--subject",
                "CN=Regional Network CA, O=Example Region, C=JP", "--server-name", "127.0.0.1", "--ca-out", ca,
                "--pin-env", "UPIN"));
        assertTrue(init.out().contains("SHA-256 "), init::toString);

        try (Cli.Running server = withPins().background("issuer", "serve", "--token", "soft:" + issuerToken,
                "--state", state, "--port", "0", "--pin-env", "UPIN")) {
            String listening = server.nextLine();
            Matcher m = Pattern.compile("listening on (https://127\\.0\\.0\\.1:\\d+)/").matcher(listening);
            assertTrue(m.find(), listening);
            String est = m.group(1);

            Cli.Result invite = expect(0, new Cli().run("issuer", "invite", "--state", state, "--subject",
                    "CN=clinic-001, O=Example Clinic, C=JP"));
            String code = invite.out().lines().skip(1).findFirst().orElseThrow().trim();

            Path node = Tokens.empty(dir.resolve("node.stk"), 5);
            Cli.Result enrolled = expect(0, withPins().env("CODE", code).run("enroll", "--token", "soft:" + node,
                    "--est", est, "--issuer-anchor", ca, "--code-env", "CODE", "--pin-env", "UPIN"));
            assertTrue(enrolled.out().startsWith("Enrolled 'node': CN=clinic-001,O=Example Clinic,C=JP"),
                    enrolled::toString);
            String first = serial(enrolled.out());

            Cli.Result reused = expect(6, withPins().env("CODE", code).run("enroll", "--token", "soft:" + node,
                    "--alias", "second", "--est", est, "--code-env", "CODE", "--pin-env", "UPIN"));
            assertTrue(reused.err().contains("unknown or was used already; the token's credentials are unchanged"),
                    reused::toString);

            Path stranger = Tokens.empty(dir.resolve("stranger.stk"), 5);
            Path strangerCa = dir.resolve("stranger-ca.pem");
            expect(0, withPins().run("issuer", "init", "--token", "soft:" + stranger, "--subject", "CN=Stranger CA",
                    "--server-name", "127.0.0.1", "--ca-out", strangerCa, "--pin-env", "UPIN"));
            Cli.Result mismatch = expect(6, withPins().env("CODE", code).run("enroll", "--token", "soft:" + node,
                    "--alias", "second", "--est", est, "--issuer-anchor", strangerCa, "--code-env", "CODE",
                    "--pin-env", "UPIN"));
            assertTrue(mismatch.err().contains("nothing was generated or written"), mismatch::toString);

            Cli.Result renewed = expect(0, withPins().run("renew", "--token", "soft:" + node, "--pin-env", "UPIN"));
            assertTrue(renewed.out().startsWith("Renewed 'node': CN=clinic-001,O=Example Clinic,C=JP"),
                    renewed::toString);
            String second = serial(renewed.out());
            assertNotEquals(first, second);

            Cli.Result info = expect(0, new Cli().run("token", "info", "soft:" + node));
            assertTrue(info.out().matches("(?s).*lifecycle +7\\.2\\.3 c +M +issuing-server authentication +yes.*"),
                    info::toString);
            assertTrue(info.out().contains("Credentials (1)"), info::toString);

            Cli.Result list = expect(0, new Cli().run("issuer", "list", "--state", state));
            assertTrue(list.out().startsWith("2 certificate(s) issued"), list::toString);
            assertTrue(list.out().contains(second + "  CN=clinic-001,O=Example Clinic,C=JP"), list::toString);
            assertTrue(list.out().contains("re-enrollment-of-" + first), list::toString);

            expect(0, new Cli().run("issuer", "revoke", "--state", state, second, "--reason", "token lost"));
            expect(6, new Cli().run("issuer", "revoke", "--state", state, "abc123"));
            Cli.Result revoked = expect(6, withPins().run("renew", "--token", "soft:" + node, "--pin-env", "UPIN"));
            assertTrue(revoked.err().contains("revoked"), revoked::toString);
            assertTrue(expect(0, new Cli().run("issuer", "list", "--state", state)).out().contains("REVOKED"));
        }

        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        Path offline = Tokens.empty(dir.resolve("offline.stk"), 5);
        Cli.Result down = expect(1, withPins().env("CODE", "X").run("enroll", "--token", "soft:" + offline, "--est",
                "https://127.0.0.1:" + closed, "--issuer-anchor", ca, "--code-env", "CODE", "--pin-env", "UPIN"));
        assertTrue(down.err().contains("cannot be reached"), down::toString);
    }
}
