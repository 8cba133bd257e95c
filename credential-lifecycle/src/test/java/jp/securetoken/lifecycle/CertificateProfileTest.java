package jp.securetoken.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import javax.security.auth.x500.X500Principal;

import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.SecureToken;
import jp.securetoken.lifecycle.issuer.CertificateProfile;
import jp.securetoken.lifecycle.issuer.CertificateProfile.Purpose;
import jp.securetoken.lifecycle.issuer.CertificateProfile.Usage;
import jp.securetoken.lifecycle.issuer.EstServer;
import jp.securetoken.lifecycle.node.NodeEnrollment;
import org.junit.jupiter.api.Test;

/**
 * The certificate profile comes from configuration: what an issuing server is told (validity, key
 * usage, extended key usage, CRL distribution point) is what {@code openssl x509} reads in the
 * certificate a node enrolls for; what it is not told is the default.
 */
class CertificateProfileTest extends WithIssuingServer {
    private static final DateTimeFormatter OPENSSL_TIME = DateTimeFormatter.ofPattern("MMM ppd HH:mm:ss yyyy z",
            Locale.ENGLISH);

    /** {@code openssl x509 -noout ARGS} on the certificate; what it printed. */
    private static String openssl(X509Certificate certificate, String... args) throws Exception {
        Path pem = Files.createTempFile(dir, "issued", ".pem");
        Files.writeString(pem, "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder().encodeToString(
                certificate.getEncoded()) + "\n-----END CERTIFICATE-----\n");
        List<String> command = new java.util.ArrayList<>(List.of("openssl", "x509", "-in", pem.toString(), "-noout"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "openssl timed out");
        assertEquals(0, p.exitValue(), command + ": " + out);
        return out;
    }

    private static Instant notAfter(String enddate) {
        String value = enddate.trim().substring("notAfter=".length());
        return ZonedDateTime.parse(value, OPENSSL_TIME).toInstant();
    }

    private static X509Certificate enrollAt(EstServer issuing, String name) throws Exception {
        return enrollAt(issuing, name, KeyAlgorithm.EC_P256);
    }

    private static X509Certificate enrollAt(EstServer issuing, String name, KeyAlgorithm algorithm) throws Exception {
        try (SecureToken token = emptyNode(name)) {
            String code = state.invite(new X500Principal("CN=" + name + ", O=Example Clinic, C=JP"), List.of(),
                    Duration.ofDays(1));
            return NodeEnrollment.enroll(token, "node", algorithm, issuing.uri(), anchor, code.toCharArray(), null)
                    .certificate();
        }
    }

    @Test
    void theConfiguredValidityKeyUsageAndClientAuthOnlyAreWhatOpensslReads() throws Exception {
        CertificateProfile profile = CertificateProfile.defaults().withValidity(Duration.ofDays(30))
                .withKeyUsage(EnumSet.of(Usage.DIGITAL_SIGNATURE, Usage.KEY_AGREEMENT))
                .withExtendedKeyUsage(EnumSet.of(Purpose.CLIENT_AUTH))
                .withCrlDistributionPoint(URI.create("http://crl.region.example/regional.crl"));
        X509Certificate issued;
        Instant from = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        try (EstServer configured = EstServer.builder(caToken, state).connectionLimits(IssuerFixture.LOOPBACK).profile(profile).start()) {
            issued = enrollAt(configured, "clinic-profile");
        }
        Instant to = Instant.now();

        Instant notAfter = notAfter(openssl(issued, "-enddate"));
        assertFalse(notAfter.isBefore(from.plus(Duration.ofDays(30))), "valid 30 days: " + notAfter);
        assertFalse(notAfter.isAfter(to.plus(Duration.ofDays(30))), "valid 30 days, not longer: " + notAfter);

        String extensions = openssl(issued, "-ext", "keyUsage,extendedKeyUsage,crlDistributionPoints");
        assertTrue(extensions.contains("TLS Web Client Authentication"), extensions);
        assertFalse(extensions.contains("TLS Web Server Authentication"), "serverAuth was not configured: "
                + extensions);
        assertTrue(extensions.contains("Digital Signature, Key Agreement"), extensions);
        assertTrue(extensions.contains("URI:http://crl.region.example/regional.crl"), extensions);
    }

    @Test
    void withoutConfigurationAYearClientAndServerAuthAndTheServersOwnCrlAddress() throws Exception {
        Instant from = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        X509Certificate issued = enrollAt(server, "clinic-default");
        Instant to = Instant.now();

        Instant notAfter = notAfter(openssl(issued, "-enddate"));
        assertFalse(notAfter.isBefore(from.plus(Duration.ofDays(365))), "valid a year: " + notAfter);
        assertFalse(notAfter.isAfter(to.plus(Duration.ofDays(365))), "valid a year, not longer: " + notAfter);
        String extensions = openssl(issued, "-ext", "keyUsage,extendedKeyUsage,crlDistributionPoints");
        assertTrue(extensions.contains("TLS Web Client Authentication, TLS Web Server Authentication"), extensions);
        assertTrue(extensions.contains("critical") && extensions.contains("Digital Signature"), extensions);
        assertFalse(extensions.contains("Key Encipherment"), "keyEncipherment is for RSA keys only: " + extensions);
        assertTrue(extensions.contains("URI:" + server.uri() + "/crl"), "the server's own CRL address: " + extensions);
    }

    @Test
    void keyEnciphermentGoesIntoRsaCertificatesAndKeyAgreementIntoEcOnes() throws Exception {
        CertificateProfile profile = CertificateProfile.defaults()
                .withKeyUsage(EnumSet.of(Usage.DIGITAL_SIGNATURE, Usage.KEY_ENCIPHERMENT, Usage.KEY_AGREEMENT));
        try (EstServer configured = EstServer.builder(caToken, state).connectionLimits(IssuerFixture.LOOPBACK).profile(profile).start()) {
            String rsa = openssl(enrollAt(configured, "clinic-rsa", KeyAlgorithm.RSA_2048), "-ext", "keyUsage");
            String ec = openssl(enrollAt(configured, "clinic-ec", KeyAlgorithm.EC_P256), "-ext", "keyUsage");
            assertTrue(rsa.contains("Digital Signature, Key Encipherment"), rsa);
            assertFalse(rsa.contains("Key Agreement"), "keyAgreement is for EC keys: " + rsa);
            assertTrue(ec.contains("Digital Signature, Key Agreement"), ec);
            assertFalse(ec.contains("Key Encipherment"), "keyEncipherment is for RSA keys: " + ec);
        }
    }

    @Test
    void aProfileWithoutDigitalSignatureOrWithoutAnExtendedKeyUsageIsRefused() {
        CertificateProfile defaults = CertificateProfile.defaults();
        assertThrows(IllegalArgumentException.class, () -> defaults.withKeyUsage(EnumSet.of(Usage.KEY_AGREEMENT)));
        assertThrows(IllegalArgumentException.class,
                () -> defaults.withExtendedKeyUsage(EnumSet.noneOf(Purpose.class)));
        assertThrows(IllegalArgumentException.class,
                () -> defaults.withCrlDistributionPoint(URI.create("ldap://x/crl")));
        assertThrows(IllegalArgumentException.class, () -> Purpose.named("codeSigning"));
        assertEquals(Purpose.SERVER_AUTH, Purpose.named("serverAuth"));
        assertEquals(Usage.KEY_ENCIPHERMENT, Usage.named("keyencipherment"));
    }
}
