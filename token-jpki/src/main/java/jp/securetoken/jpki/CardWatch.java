package jp.securetoken.jpki;

import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import javax.smartcardio.CardTerminal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import jp.securetoken.api.TokenEvent;
import jp.securetoken.api.TokenEventListener;
import jp.securetoken.api.TokenNotPresentException;
import jp.securetoken.api.TokenWatch;

/**
 * Reports My Number Cards arriving in and leaving PC/SC readers, two events per card (its
 * {@code jpki:auth} and {@code jpki:sign} tokens, each addressed with the reader). A watcher thread
 * looks at the readers every {@value #POLL_MILLIS} ms with a zero-timeout status query, so that new
 * readers are noticed and {@link #close()} ends it promptly. A newly present card is probed once with
 * SELECT of the JPKI application; cards present when the watch starts are probed too but not
 * reported.
 *
 * <p>Why not a blocking {@link javax.smartcardio.CardTerminals#waitForChange(long)}: the JDK uses one
 * PC/SC context for the whole JVM, and pcsc-lite holds that context's lock for the whole of a blocking
 * {@code SCardGetStatusChange}; every card command of every token then waits for the wait to end.
 * Measured with 250 ms waits: a PIN status query took 120–190 ms instead of 0.5 ms.
 */
final class CardWatch implements TokenWatch {
    private static final Logger log = LoggerFactory.getLogger(CardWatch.class);
    static final long POLL_MILLIS = 200;

    private final Readers readers;
    private final TokenEventListener listener;
    private final Thread thread;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition stopped = lock.newCondition();
    private volatile boolean running = true;

    // watcher thread only: reader name -> whether its card is a JPKI card
    private final Map<String, Boolean> present = new HashMap<>();

    CardWatch(Readers readers, TokenEventListener listener) throws TokenNotPresentException {
        this.readers = readers;
        this.listener = listener;
        scan(false);
        this.thread = new Thread(this::run, "securetoken-jpki-watch");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        while (running) {
            pause();
            if (!running) {
                break;
            }
            try {
                scan(true);
            } catch (TokenNotPresentException | RuntimeException e) {
                // no PC/SC service for now (pcscd restarting): look again at the next poll
                log.debug("Listing readers: {}", e.toString());
            }
        }
        log.debug("JPKI card watch stopped");
    }

    private void scan(boolean report) throws TokenNotPresentException {
        Set<String> seen = new HashSet<>();
        for (CardTerminal t : readers.withCard()) {
            String name = t.getName();
            seen.add(name);
            if (!present.containsKey(name)) {
                boolean jpki = Readers.holdsJpkiCard(t);
                present.put(name, jpki);
                if (jpki && report) {
                    fire(TokenEvent.Type.INSERTED, name);
                }
            }
        }
        for (var it = present.entrySet().iterator(); it.hasNext();) {
            Map.Entry<String, Boolean> e = it.next();
            if (!seen.contains(e.getKey())) {
                it.remove();
                if (e.getValue() && report) {
                    fire(TokenEvent.Type.REMOVED, e.getKey());
                }
            }
        }
    }

    private void fire(TokenEvent.Type type, String reader) {
        Instant now = Instant.now();
        for (JpkiTokenType t : JpkiTokenType.values()) {
            JpkiConfig config = new JpkiConfig(t, reader);
            try {
                listener.onTokenEvent(new TokenEvent(type, config.uri(),
                        "My Number Card (" + t.displayName() + ")", now));
            } catch (RuntimeException e) {
                log.warn("A token event listener failed: {}", e.toString());
            }
        }
    }

    private void pause() {
        lock.lock();
        try {
            if (running) {
                stopped.await(POLL_MILLIS, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            running = false;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            running = false;
            stopped.signalAll();
        } finally {
            lock.unlock();
        }
        if (thread != Thread.currentThread()) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
