package jp.securetoken.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import jp.securetoken.api.Credential;
import jp.securetoken.api.PinCallback;
import jp.securetoken.api.SignatureScheme;
import jp.securetoken.testpki.TestPki;

/** The connection to the service: TLS trust, a service that is down, stalls, limits the rate or answers garbage. */
class CscTransportTest {
    private static final SignatureScheme ES256 = SignatureScheme.ECDSA_P256_SHA256;

    @TempDir
    Path dir;
    RemoteService service;

    @BeforeEach
    void start() throws Exception {
        service = new RemoteService(dir);
    }

    @AfterEach
    void stop() {
        service.close();
    }

    @Test
    void aServiceWhoseCertificateIsNotFromTheTrustedCaIsRefusedBeforeAnythingIsSent() {
        CscTokenConfig config = service.config()
                .trustAnchors(List.of(TestPki.create("Impostor CA").caCertificate())).build();
        assertThrows(SigningServiceUntrustedException.class, () -> RemoteService.open(config));
        assertEquals(0, service.csc.activeSessions());
    }

    @Test
    void aServiceThatIsDownIsUnreachable() throws Exception {
        CscToken token = RemoteService.open(service.config().build());
        try {
            token.login(PinCallback.fixed(RemoteService.PIN.toCharArray()));
            Credential sign = token.credential("alice-sign");
            service.csc.close();
            assertThrows(SigningServiceUnreachableException.class, () -> sign.key().sign(ES256, new byte[] {1}));
        } finally {
            token.close();
        }
        assertThrows(SigningServiceUnreachableException.class, () -> RemoteService.open(service.config().build()));
    }

    @Test
    void aServiceThatDoesNotAnswerIsGivenUpAfterTheRequestTimeout() throws Exception {
        try (CscToken token = RemoteService.open(service.config()
                .timeouts(Duration.ofSeconds(2), Duration.ofMillis(700)).build())) {
            token.login(PinCallback.fixed(RemoteService.PIN.toCharArray()));
            Credential sign = token.credential("alice-sign");
            service.csc.stall(true);
            SigningServiceUnreachableException e = assertThrows(SigningServiceUnreachableException.class,
                    () -> sign.key().sign(ES256, new byte[] {1}));
            assertEquals(true, e.getMessage().contains("700 ms"));
        }
    }

    @Test
    void aRateLimitIsReportedWithTheWaitTheServiceAsked() throws Exception {
        try (CscToken token = RemoteService.open(service.config().build())) {
            token.login(PinCallback.fixed(RemoteService.PIN.toCharArray()));
            Credential sign = token.credential("alice-sign");
            service.csc.throttle(Duration.ofSeconds(30));
            RateLimitedException e = assertThrows(RateLimitedException.class,
                    () -> sign.key().sign(ES256, new byte[] {1}));
            assertEquals(Duration.ofSeconds(30), e.retryAfter());
            service.csc.throttle(null);
            sign.key().sign(ES256, new byte[] {1});
        }
    }

    @Test
    void malformedJsonFromTheServiceIsATypedErrorNotACrash() throws Exception {
        try (CscToken token = RemoteService.open(service.config().build())) {
            token.login(PinCallback.fixed(RemoteService.PIN.toCharArray()));
            service.csc.answerMalformedJson(true);
            SigningServiceException e = assertThrows(SigningServiceException.class, () -> token.credentials());
            assertEquals(SigningServiceException.MALFORMED_RESPONSE, e.errorCode());
        }
    }
}
