package jp.securetoken.tls.trust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import jp.securetoken.testpki.CrlRepository;
import jp.securetoken.testpki.HeldCertificate;
import jp.securetoken.testpki.TestPki;
import jp.securetoken.testsupport.MovableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@link OcspCache} takes and keeps, with responses made by Debian's {@code openssl ocsp} and
 * replayed from a loopback HTTP server (as an attacker on the path, or a stale cache, would).
 */
class OcspCacheTest {
    @TempDir
    Path dir;

    private final TestPki pki = TestPki.create("OCSP CA");
    private final HeldCertificate clinic = pki.issue("clinic-001").clientAuth().build();
    private final MovableClock clock = new MovableClock(Instant.now());
    private final CrlRepository replay = CrlRepository.start();

    @AfterEach
    void stop() {
        replay.close();
    }

    /** Runs {@code openssl args} in the test directory and waits for it (at most 30 s). */
    private void openssl(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("openssl.log").toFile()).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "openssl did not finish");
        assertEquals(0, p.exitValue(), () -> "openssl " + args[0] + " failed: " + read("openssl.log"));
    }

    private String read(String file) {
        try {
            return Files.readString(dir.resolve(file));
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    /** A response for {@code clinic} from {@code signer} (openssl ocsp, no nonce, valid one day), served at /ocsp. */
    private URI replayedResponse(TestPki signer) throws Exception {
        Files.writeString(dir.resolve("ca.pem"), pki.ca().certificatePem());
        Files.writeString(dir.resolve("signer.pem"), signer.ca().certificatePem());
        Files.writeString(dir.resolve("signer.key"), signer.ca().privateKeyPem());
        Files.writeString(dir.resolve("clinic.pem"), clinic.certificatePem());
        DateTimeFormatter f = DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").withZone(ZoneOffset.UTC);
        String hex = clinic.certificate().getSerialNumber().toString(16).toUpperCase(Locale.ROOT);
        Files.writeString(dir.resolve("index.txt"), "V\t" + f.format(clinic.certificate().getNotAfter().toInstant())
                + "\t\t" + (hex.length() % 2 == 0 ? hex : "0" + hex) + "\tunknown\t/CN=clinic-001\n");
        openssl("ocsp", "-issuer", "ca.pem", "-cert", "clinic.pem", "-no_nonce", "-reqout", "req.der");
        openssl("ocsp", "-index", "index.txt", "-rsigner", "signer.pem", "-rkey", "signer.key", "-CA", "ca.pem",
                "-reqin", "req.der", "-respout", "resp.der", "-ndays", "1");
        replay.serveBytes("/ocsp", Files.readAllBytes(dir.resolve("resp.der")));
        return replay.url("/ocsp");
    }

    private OcspCache.Answer ask(OcspCache cache, X509Certificate certificate, URI responder) {
        return cache.status(certificate, pki.caCertificate(), Optional.of(responder));
    }

    @Test
    void aReplayedResponseWithoutTheNonceIsRefusedWhenTheNonceIsRequired() throws Exception {
        URI responder = replayedResponse(pki);
        OcspCache requiring = OcspCache.builder().requireNonce(true).clock(clock).build();
        OcspCache.Answer refused = ask(requiring, clinic.certificate(), responder);
        assertTrue(assertInstanceOf(OcspCache.Answer.Unavailable.class, refused).reason().contains("nonce"),
                refused::toString);
        OcspCache lenient = OcspCache.builder().clock(clock).build();
        assertInstanceOf(OcspCache.Answer.Good.class, ask(lenient, clinic.certificate(), responder));
    }

    @Test
    void aGoodAnswerIsKeptUntilItsNextUpdateAndNoLonger() throws Exception {
        URI responder = replayedResponse(pki);
        OcspCache cache = OcspCache.builder().clock(clock).build();
        assertInstanceOf(OcspCache.Answer.Good.class, ask(cache, clinic.certificate(), responder));
        replay.stop();
        clock.advance(Duration.ofHours(23));
        assertInstanceOf(OcspCache.Answer.Good.class, ask(cache, clinic.certificate(), responder),
                "answered from the cache while the responder is gone");
        assertEquals(1, replay.requests());
        clock.advance(Duration.ofHours(2));
        OcspCache.Answer expired = ask(cache, clinic.certificate(), responder);
        assertTrue(assertInstanceOf(OcspCache.Answer.Unavailable.class, expired).reason().contains("connection refused"),
                expired::toString);
    }

    @Test
    void aResponseSignedByAnImpostorOfTheSameNameIsRefused() throws Exception {
        URI responder = replayedResponse(TestPki.create("OCSP CA"));
        OcspCache cache = OcspCache.builder().clock(clock).build();
        OcspCache.Answer refused = ask(cache, clinic.certificate(), responder);
        assertTrue(assertInstanceOf(OcspCache.Answer.Unavailable.class, refused).reason().contains("not signed by"),
                refused::toString);
    }

    @Test
    void theCacheHoldsAtMostMaxEntries() throws Exception {
        URI responder = replayedResponse(pki);
        OcspCache cache = OcspCache.builder().clock(clock).maxEntries(1).build();
        assertInstanceOf(OcspCache.Answer.Good.class, ask(cache, clinic.certificate(), responder));
        HeldCertificate other = pki.issue("clinic-002").clientAuth().build();
        // the replayed response is for clinic-001: for clinic-002 it answers the wrong certificate
        OcspCache.Answer wrong = ask(cache, other.certificate(), responder);
        assertTrue(assertInstanceOf(OcspCache.Answer.Unavailable.class, wrong).reason()
                .contains("does not answer for the certificate"), wrong::toString);
        assertEquals(1, cache.size());
    }
}
