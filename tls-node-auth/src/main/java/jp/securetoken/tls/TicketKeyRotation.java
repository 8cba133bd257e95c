package jp.securetoken.tls;

import io.netty.handler.ssl.OpenSslServerSessionContext;
import io.netty.handler.ssl.OpenSslSessionTicketKey;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a native server context's session-ticket keys equal to the fleet's {@link SessionTicketKeys}:
 * installs them at build time and re-reads them on their schedule. A reload that fails keeps the
 * keys in force and says why in the log.
 */
final class TicketKeyRotation implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TicketKeyRotation.class);

    private final OpenSslServerSessionContext sessions;
    private final SessionTicketKeys keys;
    private final ScheduledExecutorService timer;

    /**
     * The session ID context every instance of a fleet shares. BoringSSL resumes a session only in
     * the context it was made in, and Netty's contexts with a key manager each get their own; the
     * ticket keys already decide who can open a ticket.
     */
    private static final byte[] FLEET_CONTEXT = "securetoken-node-fleet".getBytes(StandardCharsets.US_ASCII);

    /** Installs the keys now (failing the build if there are none) and schedules the reloads. */
    TicketKeyRotation(OpenSslServerSessionContext sessions, SessionTicketKeys keys)
            throws SessionTicketKeys.TicketKeyException {
        this.sessions = sessions;
        this.keys = keys;
        if (!sessions.setSessionIdContext(FLEET_CONTEXT)) {
            throw new SessionTicketKeys.TicketKeyException("the native stack refused the fleet's session ID context");
        }
        reload();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "securetoken-ticket-keys");
            t.setDaemon(true);
            return t;
        });
        long every = keys.reloadEvery().toMillis();
        timer.scheduleWithFixedDelay(this::reloadQuietly, every, every, TimeUnit.MILLISECONDS);
    }

    /** Re-reads the keys now; the newest encrypts, older ones within their grace period still decrypt. */
    void reload() throws SessionTicketKeys.TicketKeyException {
        List<SessionTicketKeys.Key> inForce = keys.load();
        sessions.setTicketKeys(inForce.stream()
                .map(k -> new OpenSslSessionTicketKey(k.name(), k.hmacKey(), k.aesKey()))
                .toArray(OpenSslSessionTicketKey[]::new));
        LOG.debug("Session-ticket keys from {}: {} in force, newest {}", keys.location(), inForce.size(),
                inForce.get(0).file().getFileName());
    }

    private void reloadQuietly() {
        try {
            reload();
        } catch (SessionTicketKeys.TicketKeyException | RuntimeException e) {
            LOG.warn("Keeping the session-ticket keys in force: {}", e.getMessage());
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
