package jp.securetoken.cli;

import static jp.securetoken.cli.CliTestSupport.expect;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;

import jp.securetoken.testpki.HeldCertificate;
import jp.securetoken.testpki.TestPki;
import jp.securetoken.tls.trust.TrustPolicy;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code verify --pin-ca}: the pin is matched on the validated path only, whatever certificates an
 * attacker appends to the chain file; and the other trust options of the library.
 */
class VerifyPinTest {
    @TempDir
    static Path dir;
    static TestPki root;
    static TestPki clinicCa;
    static TestPki vendorCa;
    static Path rootPem;
    static String clinicPin;

    @BeforeAll
    static void pki() throws Exception {
        root = TestPki.create("Regional Root");
        clinicCa = root.intermediate("Clinic Issuing CA");
        vendorCa = root.intermediate("Vendor Issuing CA");
        rootPem = Files.writeString(dir.resolve("root.pem"), HeldCertificate.pem(root.caCertificate()));
        clinicPin = TrustPolicy.sha256Fingerprint(clinicCa.caCertificate());
    }

    private static Path chain(String name, X509Certificate... certificates) throws Exception {
        StringBuilder pem = new StringBuilder();
        for (X509Certificate c : certificates) {
            pem.append(HeldCertificate.pem(c));
        }
        return Files.writeString(dir.resolve(name), pem.toString());
    }

    @Test
    void aSiblingCaLeafIsNotPinnedWhateverIsAppended() throws Exception {
        X509Certificate vendorLeaf = vendorCa.issue("vendor-node").clientAuth().build().certificate();
        List<Path> attempts = List.of(
                chain("v1.pem", vendorLeaf, vendorCa.caCertificate()),
                chain("v2.pem", vendorLeaf, vendorCa.caCertificate(), root.caCertificate(), clinicCa.caCertificate()),
                chain("v3.pem", vendorLeaf, clinicCa.caCertificate(), vendorCa.caCertificate()),
                chain("v4.pem", vendorLeaf, clinicCa.caCertificate(), root.caCertificate(), vendorCa.caCertificate(),
                        clinicCa.caCertificate()));
        for (Path attempt : attempts) {
            Cli.Result r = expect(5, new Cli().run("verify", "--ca", rootPem, "--pin-ca", clinicPin, attempt));
            assertTrue(r.err().startsWith("nodeauth: rejected (CA_NOT_PINNED)"), r::toString);
        }
    }

    @Test
    void aLeafOfThePinnedCaIsTrusted() throws Exception {
        X509Certificate clinicLeaf = clinicCa.issue("clinic-007").clientAuth().build().certificate();
        Path withExtras = chain("c1.pem", clinicLeaf, vendorCa.caCertificate(), clinicCa.caCertificate());
        Cli.Result r = expect(0, new Cli().run("verify", "--ca", rootPem, "--pin-ca", clinicPin, withExtras));
        assertTrue(r.out().startsWith("Trusted as a client node."), r::toString);
        String colons = clinicPin.toUpperCase().replaceAll("(..)(?!$)", "$1:");
        expect(0, new Cli().run("verify", "--ca", rootPem, "--pin-ca", colons, withExtras));
    }

    @Test
    void aMalformedPinIsAUsageError() throws Exception {
        Path leaf = chain("p.pem", clinicCa.issue("clinic-8").clientAuth().build().certificate(),
                clinicCa.caCertificate());
        Cli.Result r = expect(2, new Cli().run("verify", "--ca", rootPem, "--pin-ca", "abc", leaf));
        assertTrue(r.err().contains("--pin-ca 'abc'"), r::toString);
    }

    @Test
    void requireEkuRefusesACertificateWithoutOneThatIsOtherwiseAccepted() throws Exception {
        Path plain = chain("plain.pem", clinicCa.issue("clinic-plain").build().certificate(),
                clinicCa.caCertificate());
        expect(0, new Cli().run("verify", "--ca", rootPem, plain));
        Cli.Result r = expect(5, new Cli().run("verify", "--ca", rootPem, "--require-eku", plain));
        assertTrue(r.err().startsWith("nodeauth: rejected (WRONG_KEY_USAGE)"), r::toString);
    }

    @Test
    void aDocumentSigningCertificateAndTwoCommonNamesAreRefused() throws Exception {
        Path signing = chain("sign.pem", clinicCa.issue("clinic-sign").keyUsage(KeyUsage.nonRepudiation).build()
                .certificate(), clinicCa.caCertificate());
        Cli.Result r = expect(5, new Cli().run("verify", "--ca", rootPem, signing));
        assertTrue(r.err().startsWith("nodeauth: rejected (WRONG_KEY_USAGE)"), r::toString);
        Path twoNames = chain("two.pem", clinicCa.issue(new javax.security.auth.x500.X500Principal(
                "CN=clinic-7, CN=hospital-admin, C=JP")).clientAuth().build().certificate(), clinicCa.caCertificate());
        Cli.Result t = expect(5, new Cli().run("verify", "--ca", rootPem, "--allow", "clinic-*", twoNames));
        assertTrue(t.err().startsWith("nodeauth: rejected (AMBIGUOUS_NAME)"), t::toString);
    }
}
