package jp.securetoken.cli;

import java.io.PrintWriter;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A spinner on the terminal for an operation that may be slow (key generation, a card's
 * signature). It appears only after half a second and only when the process runs at a terminal,
 * and it erases itself when the operation ends.
 */
final class Progress {
    private static final long DELAY_MILLIS = 500;
    private static final String FRAMES = "|/-\\";

    /** An operation that may throw. */
    @FunctionalInterface
    interface Operation<T> {
        T run() throws Exception;
    }

    private Progress() {
    }

    static <T> T during(PrintWriter err, boolean terminal, String what, Operation<T> operation) throws Exception {
        if (!terminal) {
            return operation.run();
        }
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "nodeauth-progress");
            t.setDaemon(true);
            return t;
        });
        int[] frame = {0};
        boolean[] shown = {false};
        ScheduledFuture<?> ticks = timer.scheduleAtFixedRate(() -> {
            synchronized (frame) {
                shown[0] = true;
                err.print("\r" + what + " " + FRAMES.charAt(frame[0]++ % FRAMES.length()));
                err.flush();
            }
        }, DELAY_MILLIS, 120, TimeUnit.MILLISECONDS);
        try {
            return operation.run();
        } finally {
            ticks.cancel(false);
            timer.shutdownNow();
            synchronized (frame) {
                if (shown[0]) {
                    err.print("\r" + " ".repeat(what.length() + 2) + "\r");
                    err.flush();
                }
            }
        }
    }
}
