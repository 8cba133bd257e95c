package jp.securetoken.tls.trust;

import java.net.URI;
import java.time.Instant;

/**
 * Told what happens to the revocation data a node keeps current (CRLs from distribution points,
 * OCSP responses), so that failures reach the audit trail and monitoring, not only the log. Called
 * on the fetching thread; must return quickly and must not throw.
 * {@code jp.securetoken.tls.audit.RevocationSourceAuditor} records these as audit events.
 */
public interface RevocationSourceListener {

    /** A fresh CRL from {@code source} is now in force. */
    default void updated(URI source, Instant thisUpdate, Instant nextUpdate) {
    }

    /**
     * Fetching from {@code source} failed or what it sent was refused (unreachable, too large, not a
     * CRL, older than the one held, not signed by the issuing CA, expired); the data held before stays
     * in force until its own nextUpdate.
     */
    void failed(URI source, String reason);

    /** A listener that does nothing (failures are still logged). */
    static RevocationSourceListener none() {
        return (source, reason) -> { };
    }
}
