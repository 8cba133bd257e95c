package jp.securetoken.api;

import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A credential held by a token: the certificate chain (entity certificate first), the handle of
 * its private key inside the token, and what it is for. The value is a snapshot: after a renewal,
 * ask the token again for the current one.
 *
 * @param alias  the name the token knows it by
 * @param chain  entity certificate first, then the issuers the token holds (may be just one)
 * @param usage  what it is for
 * @param key    the non-exportable private key
 */
public record Credential(String alias, List<X509Certificate> chain, CredentialUsage usage, TokenKey key) {

    public Credential {
        if (chain == null || chain.isEmpty()) {
            throw new IllegalArgumentException("a credential has at least its own certificate");
        }
        chain = List.copyOf(chain);
    }

    /** The entity's own certificate. */
    public X509Certificate certificate() {
        return chain.get(0);
    }

    public Instant notAfter() {
        return certificate().getNotAfter().toInstant();
    }

    /** Whole days until the certificate expires; negative once it has expired. */
    public long daysToExpiry(Clock clock) {
        return Math.floorDiv(Duration.between(clock.instant(), notAfter()).toSeconds(), 86_400L);
    }

    /** Whether fewer than {@code days} days of validity remain (JPKI clients warn under about 90). */
    public boolean expiresWithin(Clock clock, long days) {
        return daysToExpiry(clock) < days;
    }

    /** Alias, usage and key type only: certificates can carry personal data and are not printed. */
    @Override
    public String toString() {
        return "Credential[alias=" + alias + ", usage=" + usage + ", key=" + key.algorithm() + ", notAfter="
                + notAfter() + "]";
    }
}
