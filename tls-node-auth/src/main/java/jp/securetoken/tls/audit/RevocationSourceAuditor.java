package jp.securetoken.tls.audit;

import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import jp.securetoken.tls.trust.RevocationSourceListener;

/**
 * Records what happens to the revocation data a node keeps current in an {@link AuditSink}: a DICOM
 * Security Alert (110113) of type Security Configuration (110129), the revocation data in force
 * being part of the node's security configuration. A failed fetch or a refused CRL or OCSP response
 * (stale, foreign signature, expired, no nonce, unreachable source) is a serious failure (8); a new
 * CRL in force is a success.
 * The source is the participant, by host. Give it to {@code CrlCache.builder().listener(...)} and
 * {@code OcspCache.builder().listener(...)}.
 */
public final class RevocationSourceAuditor implements RevocationSourceListener {
    private final AuditSink sink;
    private final Clock clock;

    public RevocationSourceAuditor(AuditSink sink, Clock clock) {
        this.sink = sink;
        this.clock = clock;
    }

    @Override
    public void updated(URI source, Instant thisUpdate, Instant nextUpdate) {
        record(AuditEvent.Outcome.SUCCESS, source, "CRL from " + source + " in force: thisUpdate " + thisUpdate
                + ", nextUpdate " + nextUpdate);
    }

    @Override
    public void failed(URI source, String reason) {
        record(AuditEvent.Outcome.SERIOUS_FAILURE, source, "revocation data from " + source + ": " + reason);
    }

    private void record(AuditEvent.Outcome outcome, URI source, String detail) {
        sink.record(new AuditEvent(AuditEvent.Kind.SECURITY_CONFIGURATION, outcome, clock.instant(), Optional.empty(),
                Optional.ofNullable(source.getHost()), detail));
    }
}
