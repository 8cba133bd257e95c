package jp.securetoken.cli;

import static jp.securetoken.cli.CliTestSupport.expect;
import static jp.securetoken.cli.CliTestSupport.withPins;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import jp.securetoken.testpki.TestPki;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each kind of failure ends with its exit code and one line on standard error. */
class ErrorsTest {
    @TempDir
    static Path dir;
    static Path token;
    static TestPki ca;

    @BeforeAll
    static void token() throws Exception {
        ca = TestPki.create("Errors CA");
        token = Tokens.withCredential(dir.resolve("node.stk"), ca, Duration.ofDays(365));
    }

    @Test
    void aMissingTokenFileIsTokenAbsent() throws Exception {
        Cli.Result r = expect(4, new Cli().run("token", "info", dir.resolve("missing.stk")));
        assertEquals("nodeauth: No token is present: no token file at " + dir.resolve("missing.stk")
                + ". Insert the token or check its address.\n", r.err());
        assertEquals("", r.out());
    }

    @Test
    void anAddressNoProviderOpensIsTokenAbsent() throws Exception {
        Cli.Result r = expect(4, new Cli().run("token", "info", "nosuch:thing"));
        assertTrue(r.err().contains("no installed provider opens 'nosuch:' addresses; installed: ["), r::toString);
        assertTrue(r.err().contains("soft") && r.err().contains("jpki") && r.err().contains("pkcs11"), r::toString);
    }

    @Test
    void aRelativeSoftUriIsTokenAbsent() throws Exception {
        Cli.Result r = expect(4, new Cli().run("cert", "export", "soft:relative.stk", "--alias", "node"));
        assertTrue(r.err().contains("must name an absolute file"), r::toString);
    }

    @Test
    void aFileThatIsNotATokenIsBadInput() throws Exception {
        Path junk = Files.writeString(dir.resolve("junk.stk"), "not a token at all");
        Cli.Result r = expect(6, new Cli().run("token", "info", junk));
        assertTrue(r.err().startsWith("nodeauth: "), r::toString);
        assertEquals(1, r.err().lines().count(), r::toString);
    }

    @Test
    void aChainFileThatIsNotACertificateIsBadInput() throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.pem"), "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        Cli.Result r = expect(6, withPins().run("cert", "import", token, "--alias", "node", "--chain", bad,
                "--pin-env", "UPIN"));
        assertTrue(r.err().startsWith("nodeauth: The certificate could not be read"), r::toString);
    }

    @Test
    void aMissingChainFileIsBadInput() throws Exception {
        Cli.Result r = expect(6, withPins().run("cert", "import", token, "--alias", "node", "--chain",
                dir.resolve("absent.pem"), "--pin-env", "UPIN"));
        assertTrue(r.err().contains("absent.pem cannot be read (no such file)"), r::toString);
    }

    @Test
    void aCertificateForAnotherKeyIsBadInputAndChangesNothing() throws Exception {
        Path other = Files.writeString(dir.resolve("other.pem"), ca.issue("someone-else").build().chainPem());
        Cli.Result r = expect(6, withPins().run("cert", "import", token, "--alias", "node", "--chain", other,
                "--pin-env", "UPIN"));
        assertTrue(r.err().startsWith("nodeauth: "), r::toString);
        Cli.Result info = expect(0, new Cli().run("token", "info", token));
        assertTrue(info.out().contains("subject    CN=clinic-001"), info::toString);
    }

    @Test
    void anUnknownAliasIsBadInput() throws Exception {
        Cli.Result r = expect(6, new Cli().run("cert", "export", token, "--alias", "nobody"));
        assertTrue(r.err().contains("has no credential 'nobody'"), r::toString);
    }

    @Test
    void aMalformedSubjectIsAUsageError() throws Exception {
        Cli.Result r = expect(2, withPins().run("csr", token, "--alias", "node", "--subject", "no equals sign",
                "--pin-env", "UPIN"));
        assertTrue(r.err().contains("is not a distinguished name"), r::toString);
    }

    @Test
    void verboseAddsTheStackTrace() throws Exception {
        Cli.Result quiet = expect(4, new Cli().run("token", "info", dir.resolve("missing.stk")));
        assertFalse(quiet.err().contains("\tat "), quiet::toString);
        Cli.Result verbose = expect(4, new Cli().run("token", "info", dir.resolve("missing.stk"), "--verbose"));
        assertTrue(verbose.err().contains("jp.securetoken.api.TokenNotPresentException"), verbose::toString);
        assertTrue(verbose.err().contains("\tat "), verbose::toString);
    }
}
