package jp.securetoken.tls.audit;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import javax.net.ssl.SSLSocket;
import jp.securetoken.tls.JsseNodeContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends audit events to an audit record repository as IHE ATNA asks: DICOM audit messages in
 * RFC 5424 syslog messages (MSGID {@code IHE+RFC-3881}), octet-counted over TLS (RFC 5425), the
 * TLS itself node-authenticated with the token's key. Events queue (bounded) and a background
 * thread sends them, reconnecting with back-off, so recording never blocks a handshake. Events
 * that do not fit in the queue are counted in {@link #dropped()} and logged.
 */
public final class SyslogTlsAuditSink implements AuditSink {
    private static final Logger LOG = LoggerFactory.getLogger(SyslogTlsAuditSink.class);
    private static final int FACILITY_AUTHPRIV = 10;
    private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

    private final JsseNodeContext tls;
    private final String host;
    private final int port;
    private final String localNodeId;
    private final BlockingQueue<AuditEvent> queue;
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final Thread sender;
    private volatile boolean closed;
    private SSLSocket socket;

    /**
     * Starts a sink that sends to {@code host:port}.
     *
     * @param tls         a client context from {@code NodeTls.client(...).buildJsse()}
     * @param localNodeId this node's id, written as the audit source
     * @param capacity    how many events may wait while the repository is unreachable
     */
    public SyslogTlsAuditSink(JsseNodeContext tls, String host, int port, String localNodeId, int capacity) {
        this.tls = tls;
        this.host = host;
        this.port = port;
        this.localNodeId = localNodeId;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.sender = new Thread(this::run, "securetoken-audit-" + host + ":" + port);
        sender.setDaemon(true);
        sender.start();
    }

    @Override
    public void record(AuditEvent event) {
        if (closed || !queue.offer(event)) {
            long n = dropped.incrementAndGet();
            LOG.warn("Audit event {} dropped ({} so far): the queue to {}:{} is full or closed", event.kind(), n, host,
                    port);
        }
    }

    /** Events the repository has been sent. */
    public long delivered() {
        return delivered.get();
    }

    /** Events lost because the queue was full or the sink closed. */
    public long dropped() {
        return dropped.get();
    }

    /** The RFC 5425 frame of one event: {@code MSG-LEN SP SYSLOG-MSG}. */
    byte[] frame(AuditEvent event) {
        int severity = event.outcome() == AuditEvent.Outcome.SUCCESS ? 5 : 4;
        String header = "<" + (FACILITY_AUTHPRIV * 8 + severity) + ">1 "
                + DateTimeFormatter.ISO_INSTANT.format(event.time()) + " " + localNodeId.replace(' ', '_')
                + " securetoken " + ProcessHandle.current().pid() + " IHE+RFC-3881 - ";
        byte[] head = header.getBytes(StandardCharsets.US_ASCII);
        byte[] xml = DicomAuditMessage.xml(event, localNodeId).getBytes(StandardCharsets.UTF_8);
        byte[] message = new byte[head.length + BOM.length + xml.length];
        System.arraycopy(head, 0, message, 0, head.length);
        System.arraycopy(BOM, 0, message, head.length, BOM.length);
        System.arraycopy(xml, 0, message, head.length + BOM.length, xml.length);
        byte[] length = (message.length + " ").getBytes(StandardCharsets.US_ASCII);
        byte[] frame = new byte[length.length + message.length];
        System.arraycopy(length, 0, frame, 0, length.length);
        System.arraycopy(message, 0, frame, length.length, message.length);
        return frame;
    }

    private void run() {
        Duration backoff = Duration.ofMillis(200);
        AuditEvent pending = null;
        while (!closed || pending != null || !queue.isEmpty()) {
            try {
                if (pending == null) {
                    pending = queue.poll(200, TimeUnit.MILLISECONDS);
                    if (pending == null) {
                        continue;
                    }
                }
                send(frame(pending));
                delivered.incrementAndGet();
                pending = null;
                backoff = Duration.ofMillis(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (IOException e) {
                disconnect();
                if (closed) {
                    dropped.incrementAndGet();
                    break;
                }
                LOG.warn("Audit repository {}:{} unreachable, retrying in {} ms: {}", host, port, backoff.toMillis(),
                        e.getMessage());
                LockSupport.parkNanos(backoff.toNanos());
                backoff = backoff.multipliedBy(2).compareTo(Duration.ofSeconds(30)) > 0 ? Duration.ofSeconds(30)
                        : backoff.multipliedBy(2);
            }
        }
        disconnect();
    }

    private void send(byte[] frame) throws IOException {
        if (socket == null) {
            socket = tls.connect(host, port, Duration.ofSeconds(10));
        }
        OutputStream out = socket.getOutputStream();
        out.write(frame);
        out.flush();
    }

    private void disconnect() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException e) {
                LOG.debug("Closing the audit connection: {}", e.getMessage());
            }
            socket = null;
        }
    }

    /** Sends what is queued (waiting at most 5 s), then stops. */
    @Override
    public void close() {
        closed = true;
        try {
            sender.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (sender.isAlive()) {
            sender.interrupt();
        }
        dropped.addAndGet(queue.size());
        queue.clear();
    }
}
