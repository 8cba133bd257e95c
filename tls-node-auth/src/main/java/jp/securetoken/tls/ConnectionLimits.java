package jp.securetoken.tls;

import java.time.Duration;

/**
 * How much a server lets strangers cost it before their certificate is even seen. Every accepted
 * connection costs a token signature (the server signs before it reads the client's certificate),
 * and a card signs a few times a second: without limits, a handful of anonymous connections a second
 * keeps the card busy and authenticated nodes wait. A connection over any limit is closed at once,
 * before TLS, and counted ({@link NodeTlsContext#limitCounters()}); refusals are logged at most every
 * few seconds per limit. Checked in this order:
 *
 * @param maxHandshakesPerSource   connections one source address may open per {@code sourceInterval}
 *                                 (IPv6: one /64); refusals count against the source too
 * @param sourceInterval           the window of {@code maxHandshakesPerSource}
 * @param maxConcurrentHandshakes  connections accepted but not yet through their handshake
 * @param maxConnections           open connections in all, handshaking or established
 */
public record ConnectionLimits(int maxHandshakesPerSource, Duration sourceInterval, int maxConcurrentHandshakes,
        int maxConnections) {

    /**
     * Sized for a card that signs in hundreds of milliseconds: 10 handshakes per source address per
     * 10 s, 16 handshakes at once, 1000 connections.
     */
    public static final ConnectionLimits DEFAULTS = new ConnectionLimits(10, Duration.ofSeconds(10), 16, 1000);

    /** Checks that every limit is positive. */
    public ConnectionLimits {
        if (maxHandshakesPerSource < 1 || maxConcurrentHandshakes < 1 || maxConnections < 1) {
            throw new IllegalArgumentException("connection limits must be at least 1: " + maxHandshakesPerSource
                    + " per source, " + maxConcurrentHandshakes + " handshakes, " + maxConnections + " connections");
        }
        if (sourceInterval == null || sourceInterval.isNegative() || sourceInterval.isZero()) {
            throw new IllegalArgumentException("the per-source interval must be positive: " + sourceInterval);
        }
    }

    /** These limits with another per-source rate. */
    public ConnectionLimits withHandshakesPerSource(int max, Duration interval) {
        return new ConnectionLimits(max, interval, maxConcurrentHandshakes, maxConnections);
    }

    /** These limits with another number of handshakes at once. */
    public ConnectionLimits withConcurrentHandshakes(int max) {
        return new ConnectionLimits(maxHandshakesPerSource, sourceInterval, max, maxConnections);
    }

    /** These limits with another number of open connections. */
    public ConnectionLimits withConnections(int max) {
        return new ConnectionLimits(maxHandshakesPerSource, sourceInterval, maxConcurrentHandshakes, max);
    }

    @Override
    public String toString() {
        return maxHandshakesPerSource + " handshakes per source address per " + sourceInterval.toSeconds() + " s, "
                + maxConcurrentHandshakes + " handshakes at once, " + maxConnections + " connections";
    }
}
