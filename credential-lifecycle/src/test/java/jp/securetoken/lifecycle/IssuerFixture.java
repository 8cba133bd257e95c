package jp.securetoken.lifecycle;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import javax.security.auth.x500.X500Principal;

import jp.securetoken.api.PinCallback;
import jp.securetoken.api.SecureToken;
import jp.securetoken.lifecycle.issuer.IssuerSetup;
import jp.securetoken.soft.SoftTokenSettings;
import jp.securetoken.soft.SoftTokens;
import jp.securetoken.tls.ConnectionLimits;

/** Software tokens and a movable clock for the lifecycle tests; the issuing server's keys are generated in its token. */
final class IssuerFixture {
    static final String USER_PIN = "user-2468";
    static final String ADMIN_PIN = "admin-1357";
    /**
     * Connection limits for servers that every test of a class reaches from 127.0.0.1, many times
     * within seconds; {@code EstServerLimitsTest} tests the defaults.
     */
    static final ConnectionLimits LOOPBACK = ConnectionLimits.DEFAULTS.withHandshakesPerSource(10_000,
            Duration.ofSeconds(10));

    private IssuerFixture() {
    }

    /** An empty, logged-out software token at {@code file}. */
    static Path emptyToken(Path file) throws Exception {
        try (PinCallback.Fixed user = PinCallback.fixed(USER_PIN.toCharArray());
                PinCallback.Fixed admin = PinCallback.fixed(ADMIN_PIN.toCharArray())) {
            SoftTokens.create(file, SoftTokenSettings.builder(file.getFileName().toString()).userPin(user)
                    .administratorPin(admin).kdfIterations(SoftTokenSettings.MIN_KDF_ITERATIONS).build());
        }
        return file;
    }

    static PinCallback pin() {
        return request -> USER_PIN.toCharArray();
    }

    /** An issuing server's token, open and logged in, with {@code ca} and {@code tls} (for 127.0.0.1) made inside it. */
    static SecureToken issuerToken(Path file, Clock clock) throws Exception {
        emptyToken(file);
        SecureToken token = SoftTokens.open(file);
        token.login(pin());
        IssuerSetup.initialise(token, new X500Principal("CN=Regional Network Issuing CA, O=Example Region, C=JP"),
                Duration.ofDays(3650), List.of("127.0.0.1", "localhost"), clock);
        return token;
    }

    static X509Certificate caCertificate(SecureToken issuerToken) throws Exception {
        return issuerToken.credential("ca").certificate();
    }

    /** A clock the test moves. */
    static final class MovableClock extends Clock {
        private final AtomicReference<Instant> now = new AtomicReference<>(Instant.now());

        void advance(Duration d) {
            now.updateAndGet(i -> i.plus(d));
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    }
}
