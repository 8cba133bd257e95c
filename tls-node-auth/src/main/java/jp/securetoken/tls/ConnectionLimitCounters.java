package jp.securetoken.tls;

/**
 * What a server's {@link ConnectionLimits} did so far: connections open now, and how many were
 * refused by each limit since the context was built. Read with {@link NodeTlsContext#limitCounters()}
 * (e.g. to export as metrics, or to alert on a flood).
 *
 * @param openConnections          connections open now
 * @param handshaking              of those, the ones not yet through their handshake
 * @param refusedBySourceRate      refused: their source address opened too many within the interval
 * @param refusedByHandshakes      refused: too many handshakes at once
 * @param refusedByConnections     refused: too many connections open
 */
public record ConnectionLimitCounters(int openConnections, int handshaking, long refusedBySourceRate,
        long refusedByHandshakes, long refusedByConnections) {

    /** Refusals by all limits together. */
    public long refused() {
        return refusedBySourceRate + refusedByHandshakes + refusedByConnections;
    }
}
