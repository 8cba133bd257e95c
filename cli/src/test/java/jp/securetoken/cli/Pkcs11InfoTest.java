package jp.securetoken.cli;

import static jp.securetoken.cli.CliTestSupport.expect;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PublicKey;
import java.util.List;
import java.util.Map;

import jp.securetoken.testpki.TestPki;
import jp.securetoken.testsupport.SoftHsm2;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code token info} on a SoftHSM2 token whose key pair pkcs11-tool made, as a new user runs it:
 * without a PIN it shows what the token shows without login and says private objects need the
 * PIN; with one it logs in and shows the credential. Every command takes {@code --token}.
 */
class Pkcs11InfoTest {
    static final String PIN = "4711-user";
    static final String SO_PIN = "9999-officer";

    @TempDir
    static Path dir;
    static SoftHsm2 hsm;
    static String uri;

    @BeforeAll
    static void token() throws Exception {
        hsm = SoftHsm2.create(dir);
        hsm.initToken("usb-token", PIN, SO_PIN);
        PublicKey key = hsm.generateKeyPair("usb-token", PIN, "rsa:2048", "01", "node", dir);
        TestPki ca = TestPki.create("USB Token CA");
        hsm.writeCertificate("usb-token", PIN, ca.issue("usb-node").clientAuth().certify(key), "01", "node", dir);
        uri = SoftHsm2.uri("usb-token");
    }

    private static Cli cli() {
        return new Cli().env("P11PIN", PIN).env(hsm.environment());
    }

    @Test
    void withoutPinShowsPublicObjectsMechanismsAndFlags() throws Exception {
        Cli.Result r = expect(0, cli().run("token", "info", "--token", uri));
        assertTrue(r.out().contains("Objects readable without login (2); private objects need the user PIN"),
                r::toString);
        assertTrue(r.out().matches("(?s).*certificate +label 'node'  id 01  RSA\n.*subject CN=usb-node.*"),
                r::toString);
        assertTrue(r.out().matches("(?s).*public key +label 'node'  id 01  RSA\n.*"), r::toString);
        assertFalse(r.out().matches("(?s).*private key +label.*"), r::toString);
        assertTrue(r.out().contains("User PIN           not locked; the token does not tell how many tries are left"),
                r::toString);
        assertTrue(r.out().contains("Credentials        not shown: private objects need the user PIN"), r::toString);
        assertTrue(r.out().matches("(?s).*Token flags +token initialized, login required, user PIN initialized.*"),
                r::toString);
        assertTrue(r.out().matches("(?s).*Mechanisms \\(\\d+\\)\n.*  CKM_RSA_PKCS \\(sign, verify, encrypt, decrypt.*"),
                r::toString);
        assertTrue(r.out().contains("rsa_pss_rsae_sha256"), r::toString);
        assertFalse(r.out().contains("login()"), r::toString);
    }

    @Test
    void withPinShowsTheCredentialAndPrivateObjects() throws Exception {
        Cli.Result r = expect(0, cli().run("token", "info", uri, "--pin-env", "P11PIN"));
        assertTrue(r.out().contains("Credentials (1)"), r::toString);
        assertTrue(r.out().contains("subject    CN=usb-node"), r::toString);
        assertTrue(r.out().matches("(?s).*private key +label 'node'  id 01  RSA  private\n.*"), r::toString);
        assertTrue(r.out().matches("(?s).*\nObjects \\(\\d+\\)\n.*"), r::toString);
    }

    @Test
    void loginPromptReadsThePinFromStandardInputWhenAsked() throws Exception {
        Cli.Result r = expect(0, cli().stdin(PIN + "\n").run("--pin-stdin", "token", "info", "--token", uri,
                "--login"));
        assertTrue(r.out().contains("Credentials (1)"), r::toString);
    }

    @Test
    void aPinFileLogsInAndShowsEverything() throws Exception {
        Path pinFile = Files.writeString(dir.resolve("user.pin"), PIN + "\n");
        Files.setPosixFilePermissions(pinFile, PosixFilePermissions.fromString("rw-------"));
        Cli.Result r = expect(0, cli().run("token", "info", "--token", uri, "--pin-file", pinFile));
        assertTrue(r.out().contains("Credentials (1)"), r::toString);
        assertTrue(r.out().matches("(?s).*private key +label 'node'  id 01  RSA  private\n.*"), r::toString);
    }

    @Test
    void loginAtATerminalAsksForThePinWithoutEcho() throws Exception {
        try (Terminal t = Terminal.run(hsm.environment(), "token", "info", "--token", uri, "--login")) {
            t.expect("User PIN of token 'usb-token'");
            t.type(PIN);
            assertEquals(0, t.exitCode(), t::transcript);
            assertTrue(t.transcript().contains("Credentials (1)"), t::transcript);
            assertTrue(t.transcript().contains("subject    CN=usb-node"), t::transcript);
            assertFalse(t.transcript().contains(PIN), t::transcript);
        }
    }

    @Test
    void jsonSaysCredentialsNeedTheLoginAndListsObjects() throws Exception {
        Cli.Result r = expect(0, cli().run("token", "info", "--token", uri, "--json"));
        Map<?, ?> doc = (Map<?, ?>) JsonParser.parse(r.out());
        assertEquals(true, doc.get("credentialsNeedLogin"));
        assertEquals(false, doc.get("loggedIn"));
        List<?> objects = (List<?>) doc.get("objects");
        assertEquals(2, objects.size());
        Map<?, ?> cert = (Map<?, ?>) objects.get(0);
        assertEquals("certificate", cert.get("kind"));
        assertEquals("01", cert.get("id"));
        assertEquals("node", cert.get("label"));
        assertTrue(((List<?>) ((Map<?, ?>) doc.get("device")).get("mechanisms")).size() > 10, r::toString);
    }

    @Test
    void wrongPinIsAnAuthenticationFailure() throws Exception {
        Cli.Result r = expect(3, cli().env("P11PIN", "wrong-pin").run("token", "info", "--token", uri, "--pin-env",
                "P11PIN"));
        assertTrue(r.err().contains("PIN"), r::toString);
    }

    @Test
    void anOperationNeedingThePinSaysHowToGiveIt() throws Exception {
        Cli.Result r = expect(3, cli().run("cert", "export", "--token", uri, "--alias", "node"));
        assertTrue(r.err().contains("needs the user PIN: give it with --pin-env NAME or --pin-file FILE"), r::toString);
        assertFalse(r.err().contains("login()"), r::toString);
    }

    @Test
    void theTokenIsGivenOnceEitherWay() throws Exception {
        expect(0, cli().run("userdata", "set", "--token", uri, "site", "--value", "clinic-001", "--pin-env", "P11PIN"));
        assertEquals("clinic-001", expect(0, cli().run("userdata", "get", "--token", uri, "site")).out());
        assertEquals("clinic-001", expect(0, cli().run("userdata", "get", uri, "site")).out());
        assertTrue(expect(0, cli().run("userdata", "list", uri)).out().contains("site  10 bytes"));
        Cli.Result both = expect(2, cli().run("userdata", "list", "--token", uri, "pkcs11:token=other"));
        assertTrue(both.err().contains("give the token once"), both::toString);
        Cli.Result none = expect(2, cli().run("token", "info"));
        assertTrue(none.err().contains("give it with --token URI"), none::toString);
    }
}
