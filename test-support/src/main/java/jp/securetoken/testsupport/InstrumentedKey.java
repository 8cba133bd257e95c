package jp.securetoken.testsupport;

import java.security.PublicKey;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.atomic.AtomicInteger;
import jp.securetoken.api.Credential;
import jp.securetoken.api.CredentialSource;
import jp.securetoken.api.SignatureScheme;
import jp.securetoken.api.TokenKey;
import jp.securetoken.api.UnsupportedSignatureSchemeException;

/**
 * A real token key seen through a narrower or slower window: it can declare fewer schemes (a
 * PKCS#1-only card), add a fixed signing delay (a slow card), and counts its signatures. The
 * signature itself is always the real token's.
 */
public final class InstrumentedKey implements TokenKey {
    private final TokenKey real;
    private final Set<SignatureScheme> schemes;
    private final Duration delay;
    private final AtomicInteger signatures = new AtomicInteger();
    private final ExecutorService card = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "slow-card");
        t.setDaemon(true);
        return t;
    });

    InstrumentedKey(TokenKey real, Set<SignatureScheme> schemes, Duration delay) {
        this.real = real;
        this.schemes = Set.copyOf(schemes);
        this.delay = delay;
    }

    public static InstrumentedKey counting(TokenKey real) {
        return new InstrumentedKey(real, real.signatureSchemes(), Duration.ZERO);
    }

    public static InstrumentedKey pkcs1Only(TokenKey real) {
        EnumSet<SignatureScheme> pkcs1 = EnumSet.noneOf(SignatureScheme.class);
        real.signatureSchemes().stream().filter(s -> s.padding() == SignatureScheme.Padding.PKCS1).forEach(pkcs1::add);
        return new InstrumentedKey(real, pkcs1, Duration.ZERO);
    }

    public static InstrumentedKey slow(TokenKey real, Duration delay) {
        return new InstrumentedKey(real, real.signatureSchemes(), delay);
    }

    /** A credential source that always presents {@code credential} with this key in place of its own. */
    public CredentialSource source(Credential credential) {
        Credential instrumented = new Credential(credential.alias(), credential.chain(), credential.usage(), this);
        return () -> instrumented;
    }

    /** Signatures asked of this key so far. */
    public int signatures() {
        return signatures.get();
    }

    @Override
    public String algorithm() {
        return real.algorithm();
    }

    @Override
    public PublicKey publicKey() {
        return real.publicKey();
    }

    @Override
    public Set<SignatureScheme> signatureSchemes() {
        return schemes;
    }

    @Override
    public CompletableFuture<byte[]> signDigestAsync(SignatureScheme scheme, byte[] digest) {
        if (!schemes.contains(scheme)) {
            return CompletableFuture.failedFuture(new UnsupportedSignatureSchemeException(scheme, schemes));
        }
        signatures.incrementAndGet();
        if (delay.isZero()) {
            return real.signDigestAsync(scheme, digest);
        }
        // A slow card is busy for the whole signature: requests wait for each other.
        return CompletableFuture.supplyAsync(() -> {
            LockSupport.parkNanos(delay.toNanos());
            return null;
        }, card).thenCompose(x -> real.signDigestAsync(scheme, digest));
    }
}
