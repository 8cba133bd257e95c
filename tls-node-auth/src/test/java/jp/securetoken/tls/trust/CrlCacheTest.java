package jp.securetoken.tls.trust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.security.cert.X509CRL;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import jp.securetoken.testpki.CrlRepository;
import jp.securetoken.testpki.HeldCertificate;
import jp.securetoken.testpki.TestPki;
import jp.securetoken.testsupport.MovableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What {@link CrlCache} fetches and takes, asked directly with validated paths. */
class CrlCacheTest {
    private final TestPki pki = TestPki.create("Regional Network CA");
    private final HeldCertificate clinic = pki.issue("clinic-001").clientAuth().build();
    private final ValidatedPath path = new ValidatedPath(clinic.certificate(), List.of(), pki.caCertificate());
    private final MovableClock clock = new MovableClock(Instant.now());
    private final CrlRepository repository = CrlRepository.start();
    private CrlCache cache;

    @AfterEach
    void stop() {
        if (cache != null) {
            cache.close();
        }
        repository.close();
    }

    private CrlCache cache(CrlCache.Builder b) {
        cache = b.clock(clock).checkEvery(Duration.ofHours(1)).build();
        return cache;
    }

    private String failureOf(URI source) {
        return cache.status(source).flatMap(CrlCache.Status::lastFailure).orElse("(none)");
    }

    @Test
    void aRedirectToAnotherSchemeIsNotFollowed() {
        URI dp = repository.url("/crl");
        repository.redirect("/crl", "file:///etc/passwd");
        cache(CrlCache.builder().distributionPoint(dp).issuers(pki.caCertificate()));
        assertEquals(List.of(), cache.crlsFor(path));
        assertTrue(failureOf(dp).contains("only http"), failureOf(dp));
    }

    @Test
    void aRedirectToAnotherHttpUrlIsFollowed() {
        X509CRL crl = pki.crl();
        repository.publish("/current.crl", crl);
        repository.redirect("/crl", "/current.crl");
        URI dp = repository.url("/crl");
        cache(CrlCache.builder().distributionPoint(dp).issuers(pki.caCertificate()));
        assertEquals(List.of(crl), cache.crlsFor(path));
    }

    @Test
    void anAnswerLargerThanTheLimitIsRefused() {
        repository.serveBytes("/crl", new byte[4096]);
        URI dp = repository.url("/crl");
        cache(CrlCache.builder().distributionPoint(dp).maxBytes(1024).issuers(pki.caCertificate()));
        assertEquals(List.of(), cache.crlsFor(path));
        assertTrue(failureOf(dp).contains("limit of 1024"), failureOf(dp));
    }

    @Test
    void somethingThatIsNotACrlIsRefused() {
        repository.serveBytes("/crl", "<html>maintenance</html>".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        URI dp = repository.url("/crl");
        cache(CrlCache.builder().distributionPoint(dp).issuers(pki.caCertificate()));
        assertEquals(List.of(), cache.crlsFor(path));
        assertTrue(failureOf(dp).contains("not a CRL"), failureOf(dp));
    }

    @Test
    void aSourceThatNeverAnswersCostsAtMostTheTimeout() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 4, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                try (Socket s = silent.accept()) {
                    s.getInputStream().readAllBytes();
                } catch (java.io.IOException ignored) {
                    // closed by the test
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            URI dp = URI.create("http://127.0.0.1:" + silent.getLocalPort() + "/crl");
            cache(CrlCache.builder().distributionPoint(dp).timeout(Duration.ofMillis(300)).issuers(pki.caCertificate()));
            assertEquals(List.of(), cache.crlsFor(path));
            assertTrue(failureOf(dp).contains("did not answer") || failureOf(dp).contains("timed out"), failureOf(dp));
        }
    }

    @Test
    void aConfiguredUrlWhoseIssuerIsNotYetKnownWaitsForAValidatedPathToShowIt() {
        X509CRL crl = pki.crl(clinic.certificate());
        repository.publish("/crl", crl);
        URI dp = repository.url("/crl");
        cache(CrlCache.builder().distributionPoint(dp));
        assertEquals(List.of(crl), cache.crlsFor(path));
    }

    @Test
    void aConfiguredUrlServingAnImpostorsCrlIsRefusedOnceTheRealIssuerIsSeen() {
        TestPki impostor = TestPki.create("Regional Network CA");
        repository.publish("/crl", impostor.crl());
        URI dp = repository.url("/crl");
        cache(CrlCache.builder().distributionPoint(dp));
        assertEquals(List.of(), cache.crlsFor(path));
        assertTrue(failureOf(dp).contains("signature"), failureOf(dp));
    }

    @Test
    void distributionPointsFromCertificatesAreBounded() {
        repository.publish("/a.crl", pki.crl());
        repository.publish("/b.crl", pki.crl());
        HeldCertificate a = pki.issue("clinic-a").clientAuth().crlDistributionPoint(repository.url("/a.crl")
                .toString()).build();
        HeldCertificate b = pki.issue("clinic-b").clientAuth().crlDistributionPoint(repository.url("/b.crl")
                .toString()).build();
        cache(CrlCache.builder().fromCertificates(true).maxDistributionPoints(1));
        assertEquals(1, cache.crlsFor(new ValidatedPath(a.certificate(), List.of(), pki.caCertificate())).size());
        cache.crlsFor(new ValidatedPath(b.certificate(), List.of(), pki.caCertificate()));
        assertEquals(List.of(repository.url("/a.crl")), cache.status().stream().map(CrlCache.Status::source).toList());
    }

    @Test
    void aDistributionPointOtherThanHttpIsNeverFetched() {
        HeldCertificate ldap = pki.issue("clinic-l").clientAuth().crlDistributionPoint(
                "ldap://127.0.0.1/cn=Regional%20Network%20CA?certificateRevocationList").build();
        cache(CrlCache.builder().fromCertificates(true));
        assertEquals(List.of(), cache.crlsFor(new ValidatedPath(ldap.certificate(), List.of(), pki.caCertificate())));
        assertEquals(Optional.empty(), cache.status().stream().findAny());
    }
}
