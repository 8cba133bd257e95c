package jp.securetoken.pkcs11;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jp.securetoken.api.TokenDescriptor;
import jp.securetoken.api.TokenEvent;
import jp.securetoken.api.TokenEventListener;
import jp.securetoken.api.TokenException;
import jp.securetoken.api.TokenWatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Insert/remove events from the slot list: each round compares the tokens present (by URI: label
 * and serial) with the last round's. Where the library offers C_WaitForSlotEvent, a round first
 * asks it (without blocking) whether any slot changed and reads the slot list only then; otherwise
 * every round reads it. Runs on its own daemon thread until closed.
 */
final class SlotPoll implements TokenWatch {
    private static final Logger LOG = LoggerFactory.getLogger(SlotPoll.class);
    private final Source source;
    private final TokenEventListener listener;
    private final Duration interval;
    private final Trigger trigger;
    private final Thread thread;
    private volatile boolean running = true;

    /** Whether a round should read the slot list. */
    @FunctionalInterface
    interface Trigger {
        /** Every round reads the slot list (the library has no C_WaitForSlotEvent). */
        Trigger EVERY_ROUND = () -> true;

        boolean slotsChanged() throws TokenException;
    }

    /** Where the tokens present come from: a library's slots, or a test's list. */
    @FunctionalInterface
    interface Source {
        List<TokenDescriptor> tokens() throws TokenException;
    }

    SlotPoll(Source source, TokenEventListener listener, Duration interval) throws TokenException {
        this(source, Trigger.EVERY_ROUND, listener, interval);
    }

    SlotPoll(Source source, Trigger trigger, TokenEventListener listener, Duration interval) throws TokenException {
        this.source = source;
        this.trigger = trigger;
        this.listener = listener;
        this.interval = interval;
        Map<String, TokenDescriptor> initial = byUri(source.tokens());
        this.thread = new Thread(() -> run(initial), "securetoken-pkcs11-watch");
        thread.setDaemon(true);
        thread.start();
    }

    /** The initialised tokens in the library's slots now. */
    static List<TokenDescriptor> snapshot(Cryptoki cryptoki) throws TokenException {
        List<TokenDescriptor> out = new ArrayList<>();
        for (long slot : cryptoki.slotsWithToken()) {
            Cryptoki.TokenState s = cryptoki.tokenState(slot);
            if (s.has(Ck.CKF_TOKEN_INITIALIZED)) {
                out.add(new TokenDescriptor(Pkcs11TokenProvider.tokenUri(s, cryptoki.module()), s.label(),
                        "slot " + Long.toUnsignedString(slot) + ": " + cryptoki.slotDescription(slot) + ", "
                                + s.manufacturer() + " " + s.model()));
            }
        }
        return out;
    }

    private static Map<String, TokenDescriptor> byUri(List<TokenDescriptor> tokens) {
        Map<String, TokenDescriptor> m = new HashMap<>();
        tokens.forEach(t -> m.put(t.uri().toString(), t));
        return m;
    }

    private void run(Map<String, TokenDescriptor> initial) {
        Map<String, TokenDescriptor> last = initial;
        while (running) {
            try {
                Thread.sleep(interval.toMillis());
                if (!trigger.slotsChanged()) {
                    continue;
                }
                Map<String, TokenDescriptor> now = byUri(source.tokens());
                for (Map.Entry<String, TokenDescriptor> e : now.entrySet()) {
                    if (!last.containsKey(e.getKey())) {
                        fire(TokenEvent.Type.INSERTED, e.getValue());
                    }
                }
                for (Map.Entry<String, TokenDescriptor> e : last.entrySet()) {
                    if (!now.containsKey(e.getKey())) {
                        fire(TokenEvent.Type.REMOVED, e.getValue());
                    }
                }
                last = now;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (TokenException e) {
                LOG.warn("Polling PKCS#11 slots failed: {}", e.getMessage());
            }
        }
    }

    private void fire(TokenEvent.Type type, TokenDescriptor token) {
        try {
            listener.onTokenEvent(new TokenEvent(type, token.uri(), token.label(), Instant.now()));
        } catch (RuntimeException e) {
            LOG.warn("A token event listener failed", e);
        }
    }

    /** Whether rounds wait for C_WaitForSlotEvent's word rather than reading the slot list every time. */
    boolean usesSlotEvents() {
        return trigger != Trigger.EVERY_ROUND;
    }

    /** Says how rounds learn of a change, e.g. for a log line. */
    @Override
    public String toString() {
        return "PKCS#11 slot watch (" + (usesSlotEvents() ? "C_WaitForSlotEvent" : "slot list") + " every "
                + interval.toMillis() + " ms)";
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }
}
