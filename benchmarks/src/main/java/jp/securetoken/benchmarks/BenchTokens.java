package jp.securetoken.benchmarks;

import java.nio.file.Path;
import jp.securetoken.api.CredentialUsage;
import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.PinCallback;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.TokenException;
import jp.securetoken.soft.SoftTokenSettings;
import jp.securetoken.soft.SoftTokens;
import jp.securetoken.testpki.TestPki;

/** Software tokens for the benchmarks: a key generated inside the token, certified by a test PKI. */
final class BenchTokens {
    static final String ALIAS = "node";
    /**
     * Connection limits for a benchmark's own loopback load: one source address opening thousands of
     * connections is the load, not an attack (the defaults would refuse it).
     */
    static final jp.securetoken.tls.ConnectionLimits LOAD = new jp.securetoken.tls.ConnectionLimits(1_000_000,
            java.time.Duration.ofSeconds(1), 100_000, 100_000);

    private BenchTokens() {
    }

    static SecureToken node(Path dir, String name, KeyAlgorithm algorithm, TestPki pki) throws TokenException {
        SecureToken token = empty(dir, name);
        token.lifecycle().enroll(ALIAS, algorithm, CredentialUsage.NODE_AUTHENTICATION,
                pki.issue(name).serverAuth().clientAuth()::certifyChain);
        return token;
    }

    /** A new, empty software token {@code dir/name.stk}, logged in. */
    static SecureToken empty(Path dir, String name) throws TokenException {
        Path file = dir.resolve(name + ".stk");
        char[] pin = "bench-pin".toCharArray();
        try (PinCallback.Fixed user = PinCallback.fixed(pin); PinCallback.Fixed admin = PinCallback.fixed(pin)) {
            SoftTokens.create(file, SoftTokenSettings.builder(name).userPin(user).administratorPin(admin)
                    .kdfIterations(SoftTokenSettings.MIN_KDF_ITERATIONS).build());
            SecureToken token = SoftTokens.open(file);
            token.login(user);
            return token;
        }
    }
}
