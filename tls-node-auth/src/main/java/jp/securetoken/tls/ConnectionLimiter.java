package jp.securetoken.tls;

import io.netty.channel.Channel;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state behind a server's {@link ConnectionLimits}, shared by all its connections: open
 * connections, handshakes in flight, a fixed window per source address, the refusal counters and
 * their rate-limited log. A {@link NodeTlsContext} server has one; a server that runs TLS outside
 * NodeTls (e.g. the EST issuing server on BouncyCastle's low-level API) makes one and calls
 * {@link #addTo(Channel)} for each accepted connection, and {@link #handshakeEnded(Channel)} when
 * that connection's handshake is through.
 *
 * <pre>{@code
 * ConnectionLimiter limiter = new ConnectionLimiter(ConnectionLimits.DEFAULTS);
 * // in the child ChannelInitializer, before the TLS handler:
 * limiter.addTo(channel);
 * // in the TLS handler, once the handshake completed:
 * ConnectionLimiter.handshakeEnded(channel);
 * }</pre>
 */
public final class ConnectionLimiter {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionLimiter.class);
    /** Source addresses tracked at once; more in one interval are refused (an attacker with a whole subnet). */
    static final int MAX_SOURCES = 8192;
    private static final long LOG_EVERY_NANOS = 10_000_000_000L;

    /** Which limit refused a connection. */
    enum Limit {
        SOURCE_RATE, HANDSHAKES, CONNECTIONS
    }

    private final ConnectionLimits limits;
    private final long intervalNanos;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger handshaking = new AtomicInteger();
    private final Map<InetAddress, Window> sources = new ConcurrentHashMap<>();
    private final LongAdder[] refused = {new LongAdder(), new LongAdder(), new LongAdder()};
    private final AtomicLong[] lastLogged = {new AtomicLong(), new AtomicLong(), new AtomicLong()};
    private final LongAdder[] unlogged = {new LongAdder(), new LongAdder(), new LongAdder()};

    /** A limiter with nothing open and nothing refused yet. */
    public ConnectionLimiter(ConnectionLimits limits) {
        this.limits = java.util.Objects.requireNonNull(limits);
        this.intervalNanos = limits.sourceInterval().toNanos();
    }

    /** The limits it enforces. */
    public ConnectionLimits limits() {
        return limits;
    }

    /**
     * Puts the limits in front of a newly accepted connection: adds, first in its pipeline (named
     * {@link NodeTlsContext#LIMIT_HANDLER}), the handler that admits it as soon as it is active or
     * closes it before a byte is read. An admitted connection holds a handshake slot until a Netty
     * {@code SslHandler} in the pipeline finishes its handshake, {@link #handshakeEnded(Channel)} is
     * called, or it closes; and a connection slot until it closes.
     */
    public void addTo(Channel channel) {
        channel.pipeline().addFirst(NodeTlsContext.LIMIT_HANDLER, new ConnectionLimitHandler(this));
    }

    /**
     * Frees the handshake slot of a connection given to {@link #addTo(Channel)}: for TLS handlers
     * other than Netty's {@code SslHandler}, once the handshake completed. Does nothing for a channel
     * without limits or when called again.
     */
    public static void handshakeEnded(Channel channel) {
        ConnectionLimitHandler handler = channel.pipeline().get(ConnectionLimitHandler.class);
        if (handler != null) {
            handler.releaseHandshake();
        }
    }

    /**
     * Admits a new connection from {@code remote} (counting it as open and handshaking), or says which
     * limit refuses it (counted and logged; nothing is held).
     */
    Limit admit(SocketAddress remote) {
        Limit over = check(remote);
        if (over != null) {
            refused(over, remote);
        }
        return over;
    }

    private Limit check(SocketAddress remote) {
        if (remote instanceof InetSocketAddress inet && inet.getAddress() != null
                && !withinSourceRate(source(inet.getAddress()))) {
            return Limit.SOURCE_RATE;
        }
        if (handshaking.incrementAndGet() > limits.maxConcurrentHandshakes()) {
            handshaking.decrementAndGet();
            return Limit.HANDSHAKES;
        }
        if (open.incrementAndGet() > limits.maxConnections()) {
            open.decrementAndGet();
            handshaking.decrementAndGet();
            return Limit.CONNECTIONS;
        }
        return null;
    }

    /** Counts one more handshake for {@code source} in its current window; false when that is one too many. */
    private boolean withinSourceRate(InetAddress source) {
        long now = System.nanoTime();
        if (sources.size() >= MAX_SOURCES && !sources.containsKey(source)) {
            sources.values().removeIf(w -> now - w.start >= intervalNanos);
            if (sources.size() >= MAX_SOURCES) {
                return false;
            }
        }
        Window w = sources.compute(source, (k, old) -> old == null || now - old.start >= intervalNanos
                ? new Window(now, 1) : new Window(old.start, old.count + 1));
        return w.count <= limits.maxHandshakesPerSource();
    }

    /** The address a source is counted as: itself for IPv4, its /64 for IPv6 (one site's prefix). */
    static InetAddress source(InetAddress address) {
        if (address instanceof Inet6Address) {
            byte[] prefix = Arrays.copyOf(Arrays.copyOf(address.getAddress(), 8), 16);
            try {
                return InetAddress.getByAddress(prefix);
            } catch (UnknownHostException e) {
                throw new IllegalStateException("16 bytes are an IPv6 address", e);
            }
        }
        return address;
    }

    void handshakeFinished() {
        handshaking.decrementAndGet();
    }

    void connectionClosed() {
        open.decrementAndGet();
    }

    /** What the limits did so far: connections open now, and refusals by each limit. */
    public ConnectionLimitCounters counters() {
        return new ConnectionLimitCounters(open.get(), handshaking.get(), refused[0].sum(), refused[1].sum(),
                refused[2].sum());
    }

    /** Counts a refusal; logs it unless this limit was logged less than 10 s ago (then it is in the next line's count). */
    private void refused(Limit limit, SocketAddress remote) {
        int i = limit.ordinal();
        refused[i].increment();
        unlogged[i].increment();
        long now = System.nanoTime();
        long last = lastLogged[i].get();
        if ((last == 0 || now - last >= LOG_EVERY_NANOS) && lastLogged[i].compareAndSet(last, now == 0 ? 1 : now)) {
            long count = unlogged[i].sumThenReset();
            LOG.warn("Refused {} connection(s) over the limit of {} (latest from {}); {} refused by this limit so far. "
                    + "Limits: {}", count, describe(limit), remote, refused[i].sum(), limits);
        }
    }

    private String describe(Limit limit) {
        return switch (limit) {
            case SOURCE_RATE -> limits.maxHandshakesPerSource() + " handshakes per source address per "
                    + limits.sourceInterval().toSeconds() + " s";
            case HANDSHAKES -> limits.maxConcurrentHandshakes() + " handshakes at once";
            case CONNECTIONS -> limits.maxConnections() + " open connections";
        };
    }

    private record Window(long start, int count) {
    }
}
