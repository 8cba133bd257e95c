package jp.securetoken.cli;

import static jp.securetoken.cli.CliTestSupport.expect;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import jp.securetoken.testpki.HeldCertificate;
import jp.securetoken.testpki.TestPki;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code verify}: a certificate against a trust policy; a rejection is exit code 5 with its reason. */
class VerifyTest {
    @TempDir
    static Path dir;
    static TestPki pki;
    static Path ca;
    static Path clinic;
    static HeldCertificate revoked;

    @BeforeAll
    static void pki() throws Exception {
        pki = TestPki.create("Verify CA");
        ca = write("ca.pem", HeldCertificate.pem(pki.caCertificate()));
        clinic = write("clinic.pem", pki.issue("clinic-001").clientAuth().build().chainPem());
        revoked = pki.issue("clinic-lost").clientAuth().build();
    }

    private static Path write(String name, String text) throws Exception {
        return Files.writeString(dir.resolve(name), text);
    }

    private static String last(String text) {
        List<String> lines = text.lines().toList();
        return lines.get(lines.size() - 1);
    }

    @Test
    void aClientCertificateOfTheCaIsTrusted() throws Exception {
        Cli.Result r = expect(0, new Cli().run("verify", clinic, "--ca", ca));
        assertTrue(r.out().startsWith("Trusted as a client node.\n  subject     CN=clinic-001"), r::toString);
        assertTrue(r.out().contains("revocation  not checked (give --crl FILE or --ocsp URL)"), r::toString);
    }

    @Test
    void anotherCasCertificateIsRejectedWithExitCode5() throws Exception {
        Path stranger = write("stranger.pem", TestPki.create("Other CA").issue("intruder").clientAuth().build()
                .chainPem());
        Cli.Result r = expect(5, new Cli().run("verify", stranger, "--ca", ca));
        assertTrue(r.err().startsWith("nodeauth: rejected (UNKNOWN_CA): the peer's chain does not lead to a "
                + "trusted CA"), r::toString);
        assertEquals(1, r.err().lines().count(), r::toString);
    }

    @Test
    void aClientCertificateIsNoServerCertificate() throws Exception {
        Cli.Result r = expect(5, new Cli().run("verify", clinic, "--ca", ca, "--usage", "server"));
        assertTrue(last(r.err()).startsWith("nodeauth: rejected (WRONG_KEY_USAGE)"), r::toString);
    }

    @Test
    void anExpiredCertificateIsRejected() throws Exception {
        Path expired = write("expired.pem", pki.issue("clinic-old").clientAuth().expired().build().chainPem());
        Cli.Result r = expect(5, new Cli().run("verify", expired, "--ca", ca));
        assertTrue(last(r.err()).startsWith("nodeauth: rejected (EXPIRED)"), r::toString);
    }

    @Test
    void theAllowListIsApplied() throws Exception {
        expect(0, new Cli().run("verify", clinic, "--ca", ca, "--allow", "clinic-*"));
        Cli.Result r = expect(5, new Cli().run("verify", clinic, "--ca", ca, "--allow", "hospital-*"));
        assertTrue(last(r.err()).startsWith("nodeauth: rejected (NOT_ALLOWED)"), r::toString);
    }

    @Test
    void aCertificateOnTheCrlIsRevokedAndAnotherPasses() throws Exception {
        Path crl = Files.write(dir.resolve("ca.crl"), pki.crl(revoked.certificate()).getEncoded());
        Path lost = write("lost.pem", revoked.chainPem());
        Cli.Result r = expect(5, new Cli().run("verify", lost, "--ca", ca, "--crl", crl));
        assertTrue(last(r.err()).startsWith("nodeauth: rejected (REVOKED)"), r::toString);
        Cli.Result ok = expect(0, new Cli().run("verify", clinic, "--ca", ca, "--crl", crl));
        assertTrue(ok.out().contains("revocation  not revoked (1 CRL; hard-fail)"), ok::toString);
        Cli.Result soft = expect(0, new Cli().run("verify", clinic, "--ca", ca, "--crl", crl, "--soft-fail"));
        assertTrue(soft.out().contains("revocation  not revoked (1 CRL; soft-fail)"), soft::toString);
    }

    @Test
    void anUnreachableOcspResponderRejectsUnlessSoftFail() throws Exception {
        Cli.Result hard = expect(5, new Cli().run("verify", clinic, "--ca", ca, "--ocsp", "http://127.0.0.1:1/"));
        assertTrue(last(hard.err()).startsWith("nodeauth: rejected (REVOCATION_UNKNOWN)"), hard::toString);
        Cli.Result soft = expect(0, new Cli().run("verify", clinic, "--ca", ca, "--ocsp", "http://127.0.0.1:1/",
                "--soft-fail"));
        assertTrue(soft.out().contains("revocation  UNKNOWN, accepted because of --soft-fail"), soft::toString);
        assertEquals("", soft.err());
    }

    @Test
    void aFileThatIsNotACrlIsBadInput() throws Exception {
        Cli.Result r = expect(6, new Cli().run("verify", clinic, "--ca", ca, "--crl", ca));
        assertTrue(r.err().contains("is not a CRL") || r.err().contains("holds no CRL"), r::toString);
    }

    @Test
    void aFileThatIsNotACertificateIsBadInput() throws Exception {
        Path junk = write("junk.pem", "hello");
        assertEquals(6, new Cli().run("verify", junk, "--ca", ca).exitCode());
    }

    @Test
    void aCertificateCloseToExpiryIsWarnedAbout() throws Exception {
        Path soon = write("soon.pem", pki.issue("clinic-soon").clientAuth().validFor(Duration.ofDays(10).plusHours(2))
                .build().chainPem());
        Cli.Result r = expect(0, new Cli().run("verify", soon, "--ca", ca));
        assertTrue(r.err().contains("warning: the certificate expires in 10 days (fewer than 90)"), r::toString);
    }
}
