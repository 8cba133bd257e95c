package jp.securetoken.tls.audit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLSocket;
import jp.securetoken.tls.JsseNodeContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends audit events to an audit record repository as IHE ATNA asks: DICOM audit messages in
 * RFC 5424 syslog messages (MSGID {@code IHE+RFC-3881}), octet-counted over TLS (RFC 5425), the
 * TLS itself node-authenticated with the token's key — without losing any.
 *
 * <p><b>Durable.</b> {@link #record} writes the message to a bounded on-disk spool, forced to
 * disk, before it returns; it never waits for the network. A message leaves the spool only when
 * the repository has read it. A process that stops or is killed leaves its messages in the spool
 * and the next sink on the same directory sends them.
 *
 * <p><b>Delivered means read.</b> RFC 5425 has no acknowledgement, and a write to a connection the
 * repository has just dropped succeeds locally. So a background thread sends the spool in
 * batches, each on its own connection, and after a batch closes its sending side (TLS
 * close_notify) and waits until the repository closes its side: the repository reads a
 * connection in order, so it has then read the whole batch. Only then are the batch's messages
 * counted delivered and removed. Any failure — refused, reset, timed out — leaves the batch in the
 * spool to be sent again on a new connection: a repository may see a message twice (each carries
 * a unique {@code eventId} in its structured data), never zero times.
 *
 * <p><b>Never stuck.</b> Connecting, the handshake, every write and the wait for the repository's
 * close are bounded by timeouts; a stalled repository costs a failed attempt and a back-off.
 *
 * <p><b>When the spool is full</b> new events are refused: each is counted in {@link #dropped()},
 * the first of a run is logged as an error and the end of the run is logged with how many were
 * lost. Events already spooled are never discarded.
 */
public final class SyslogTlsAuditSink implements AuditSink {
    private static final Logger LOG = LoggerFactory.getLogger(SyslogTlsAuditSink.class);
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(200);
    private static final Duration LONGEST_BACKOFF = Duration.ofSeconds(30);

    private final JsseNodeContext tls;
    private final String host;
    private final int port;
    private final String localNodeId;
    private final AuditSpool spool;
    private final Duration connectTimeout;
    private final Duration writeTimeout;
    private final int batchSize;
    private final AtomicLong spooled = new AtomicLong();
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong failedAttempts = new AtomicLong();
    private final AtomicLong droppedInRun = new AtomicLong();
    private final Semaphore work = new Semaphore(0);
    private final CountDownLatch closing = new CountDownLatch(1);
    private final ScheduledExecutorService watchdog;
    private final Thread sender;
    private volatile boolean closed;
    private volatile Socket connection;

    private SyslogTlsAuditSink(Builder b, AuditSpool spool) {
        this.tls = b.tls;
        this.host = b.host;
        this.port = b.port;
        this.localNodeId = b.localNodeId;
        this.spool = spool;
        this.connectTimeout = b.connectTimeout;
        this.writeTimeout = b.writeTimeout;
        this.batchSize = b.batchSize;
        String name = "securetoken-audit-" + host + ":" + port;
        this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, name + "-watchdog");
            t.setDaemon(true);
            return t;
        });
        this.sender = new Thread(this::run, name);
        sender.setDaemon(true);
        sender.start();
    }

    /**
     * A sink sending to the repository at {@code host:port}.
     *
     * @param tls a client context from {@code NodeTls.client(...).buildJsse()}
     */
    public static Builder to(JsseNodeContext tls, String host, int port) {
        return new Builder(tls, host, port);
    }

    /**
     * Puts the event in the spool (forced to disk) and returns; the background sender delivers it.
     * When the spool is full or the disk refuses the write, the event is counted in
     * {@link #dropped()} and logged. Never throws and never waits for the network.
     */
    @Override
    public void record(AuditEvent event) {
        if (closed) {
            drop(event, "the sink is closed");
            return;
        }
        boolean accepted;
        try {
            accepted = spool.append(SyslogMessage.render(event, localNodeId, UUID.randomUUID()));
        } catch (UncheckedIOException e) {
            drop(event, e.getMessage());
            return;
        }
        if (!accepted) {
            drop(event, "the spool " + spool.directory() + " holds its capacity of " + spool.capacity()
                    + " undelivered events");
            return;
        }
        spooled.incrementAndGet();
        long lost = droppedInRun.getAndSet(0);
        if (lost > 0) {
            LOG.warn("Audit spool {} accepts events again; {} event(s) were dropped while it could not",
                    spool.directory(), lost);
        }
        work.release();
    }

    /** Events waiting in the spool (including those a previous process left). */
    public long queued() {
        return spool.size();
    }

    /** Events this sink has written to the spool. */
    public long spooled() {
        return spooled.get();
    }

    /** Events the repository has read (counted after its side of the connection closed behind them). */
    public long delivered() {
        return delivered.get();
    }

    /** Events refused because the spool was full, the disk failed or the sink was closed. */
    public long dropped() {
        return dropped.get();
    }

    /** Delivery attempts that failed (repository unreachable, refused, reset or too slow). */
    public long failedAttempts() {
        return failedAttempts.get();
    }

    private void drop(AuditEvent event, String why) {
        dropped.incrementAndGet();
        if (droppedInRun.getAndIncrement() == 0) {
            LOG.error("Audit event {} ({}) dropped: {}; further drops are counted until the spool accepts again",
                    event.kind(), event.outcome(), why);
        }
    }

    private void run() {
        Duration backoff = FIRST_BACKOFF;
        while (true) {
            List<AuditSpool.Entry> batch = spool.oldest(batchSize);
            if (batch.isEmpty()) {
                if (closed) {
                    break;
                }
                awaitWork();
                continue;
            }
            try {
                deliver(batch);
                for (AuditSpool.Entry e : batch) {
                    spool.remove(e);
                }
                delivered.addAndGet(batch.size());
                backoff = FIRST_BACKOFF;
            } catch (IOException e) {
                failedAttempts.incrementAndGet();
                if (closed) {
                    LOG.warn("Audit repository {}:{} not reached while closing ({}); {} event(s) stay in {}", host,
                            port, e.getMessage(), spool.size(), spool.directory());
                    break;
                }
                LOG.warn("Audit repository {}:{} not reached, {} event(s) kept, retrying in {} ms: {}", host, port,
                        spool.size(), backoff.toMillis(), e.toString());
                awaitClosing(backoff);
                backoff = backoff.multipliedBy(2).compareTo(LONGEST_BACKOFF) > 0 ? LONGEST_BACKOFF
                        : backoff.multipliedBy(2);
            }
        }
    }

    /** Sends one batch on a new connection and returns once the repository has read all of it. */
    private void deliver(List<AuditSpool.Entry> batch) throws IOException {
        Socket plain = new Socket();
        connection = plain;
        try (SSLSocket socket = tls.connect(plain, host, port, connectTimeout)) {
            socket.setSoTimeout((int) writeTimeout.toMillis());
            OutputStream out = socket.getOutputStream();
            for (AuditSpool.Entry e : batch) {
                byte[] frame = SyslogMessage.frame(e.read());
                bounded(plain, () -> out.write(frame));
            }
            bounded(plain, out::flush);
            bounded(plain, socket::shutdownOutput);
            awaitRepositoryClose(socket.getInputStream());
        } finally {
            connection = null;
            plain.close();
        }
    }

    /**
     * Reads until the repository closes its side. A clean end (close_notify or FIN) means it read
     * everything before; a reset or a timeout does not.
     */
    private static void awaitRepositoryClose(InputStream in) throws IOException {
        byte[] ignored = new byte[512];
        while (in.read(ignored) >= 0) {
            // a syslog repository sends nothing; anything it does send is not ours to read
        }
    }

    /** Runs a write, closing the connection under it when it takes longer than the write timeout. */
    private void bounded(Socket plain, IoAction action) throws IOException {
        AtomicBoolean expired = new AtomicBoolean();
        ScheduledFuture<?> alarm = watchdog.schedule(() -> {
            expired.set(true);
            closeQuietly(plain);
        }, writeTimeout.toMillis(), TimeUnit.MILLISECONDS);
        try {
            action.run();
        } catch (IOException e) {
            if (expired.get()) {
                throw new SocketTimeoutException("the repository read nothing for " + writeTimeout.toMillis()
                        + " ms (write timeout)");
            }
            throw e;
        } finally {
            alarm.cancel(false);
        }
        if (expired.get()) {
            throw new SocketTimeoutException("write timeout of " + writeTimeout.toMillis() + " ms expired");
        }
    }

    private void awaitWork() {
        try {
            if (work.tryAcquire(1, TimeUnit.SECONDS)) {
                work.drainPermits();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits for {@code time}, or less when the sink is closing (it then makes one last attempt). */
    private void awaitClosing(Duration time) {
        try {
            closing.await(time.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            LOG.debug("Closing the audit connection: {}", e.getMessage());
        }
    }

    /**
     * Stops accepting events and lets the sender deliver what is spooled until it is empty or an
     * attempt fails (each attempt bounded by the connect and write timeouts), then stops. Undelivered events stay in the
     * spool for the next sink on the same directory; none is dropped.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        closing.countDown();
        work.release();
        long bound = connectTimeout.toMillis() + 3 * writeTimeout.toMillis() + 1_000;
        try {
            sender.join(bound);
            if (sender.isAlive()) {
                Socket c = connection;
                if (c != null) {
                    closeQuietly(c);
                }
                sender.interrupt();
                sender.join(bound);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        watchdog.shutdownNow();
        if (spool.size() > 0) {
            LOG.info("Audit sink for {}:{} closed with {} event(s) in {} for the next start", host, port,
                    spool.size(), spool.directory());
        }
        spool.close();
    }

    /** An I/O step that may block. */
    @FunctionalInterface
    private interface IoAction {
        void run() throws IOException;
    }

    /** Configures a {@link SyslogTlsAuditSink}. */
    public static final class Builder {
        private final JsseNodeContext tls;
        private final String host;
        private final int port;
        private String localNodeId = "securetoken";
        private Path spoolDirectory;
        private int spoolCapacity = 100_000;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration writeTimeout = Duration.ofSeconds(10);
        private int batchSize = 500;

        private Builder(JsseNodeContext tls, String host, int port) {
            this.tls = Objects.requireNonNull(tls, "tls");
            this.host = Objects.requireNonNull(host, "host");
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port " + port + " is not 1-65535");
            }
            this.port = port;
        }

        /** This node's id, written as the syslog host name and the audit source. */
        public Builder localNodeId(String id) {
            this.localNodeId = Objects.requireNonNull(id, "id");
            return this;
        }

        /**
         * The directory holding undelivered events (required), and how many it may hold
         * (default 100,000) before new events are dropped. Use one directory per sink.
         */
        public Builder spool(Path directory, int capacity) {
            this.spoolDirectory = Objects.requireNonNull(directory, "directory");
            if (capacity < 1) {
                throw new IllegalArgumentException("spool capacity must be at least 1");
            }
            this.spoolCapacity = capacity;
            return this;
        }

        /** Bound on connecting and on the TLS handshake (default 10 s). */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive(timeout);
            return this;
        }

        /**
         * Bound on each write and on waiting for the repository to confirm a batch by closing
         * (default 10 s): a repository that stalls longer costs a failed attempt, not a stuck sender.
         */
        public Builder writeTimeout(Duration timeout) {
            this.writeTimeout = positive(timeout);
            return this;
        }

        /** Events sent per connection (default 500). */
        public Builder batchSize(int events) {
            if (events < 1) {
                throw new IllegalArgumentException("batch size must be at least 1");
            }
            this.batchSize = events;
            return this;
        }

        /**
         * Opens the spool (taking up what an earlier process left) and starts sending.
         *
         * @throws IOException when the spool directory cannot be created, read or locked
         */
        public SyslogTlsAuditSink start() throws IOException {
            if (spoolDirectory == null) {
                throw new IllegalStateException("a spool directory is required: spool(directory, capacity)");
            }
            return new SyslogTlsAuditSink(this, new AuditSpool(spoolDirectory, spoolCapacity));
        }

        private static Duration positive(Duration d) {
            if (d.isNegative() || d.isZero() || d.toMillis() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("timeout must be positive: " + d);
            }
            return d;
        }
    }
}
