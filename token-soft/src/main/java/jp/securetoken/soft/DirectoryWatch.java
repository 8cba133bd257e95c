package jp.securetoken.soft;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import jp.securetoken.api.TokenEvent;
import jp.securetoken.api.TokenEventListener;
import jp.securetoken.api.TokenWatch;

/**
 * Polls a directory for {@code *.stk} files and reports those that appear (inserted) and
 * disappear (removed). Polling rather than a WatchService: it behaves the same on every file
 * system, including network mounts, and the cost of listing one directory is small.
 */
final class DirectoryWatch implements TokenWatch {
    private static final Logger LOG = LoggerFactory.getLogger(DirectoryWatch.class);
    static final long POLL_MILLIS = 250;

    private final Path dir;
    private final TokenEventListener listener;
    private final ScheduledExecutorService poller;
    private Map<Path, String> known;

    DirectoryWatch(Path dir, TokenEventListener listener) {
        this.dir = dir;
        this.listener = listener;
        this.known = list(dir);
        this.poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "securetoken-soft-watch");
            t.setDaemon(true);
            return t;
        });
        poller.scheduleWithFixedDelay(this::poll, POLL_MILLIS, POLL_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Token files in {@code dir} with their labels. */
    static Map<Path, String> list(Path dir) {
        Map<Path, String> out = new HashMap<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.stk")) {
            for (Path f : files) {
                if (Files.isRegularFile(f)) {
                    out.put(f.toAbsolutePath().normalize(), null);
                }
            }
        } catch (IOException e) {
            LOG.warn("Could not list software tokens in {}: {}", dir, e.toString());
        }
        return out;
    }

    private void poll() {
        try {
            Map<Path, String> now = list(dir);
            for (Path p : now.keySet()) {
                if (!known.containsKey(p)) {
                    String label = SoftTokens.peekLabel(p);
                    now.put(p, label);
                    fire(TokenEvent.Type.INSERTED, p, label);
                } else {
                    now.put(p, known.get(p));
                }
            }
            for (Map.Entry<Path, String> e : known.entrySet()) {
                if (!now.containsKey(e.getKey())) {
                    fire(TokenEvent.Type.REMOVED, e.getKey(), e.getValue() != null ? e.getValue()
                            : e.getKey().getFileName().toString());
                }
            }
            known = now;
        } catch (RuntimeException e) {
            LOG.warn("Watching {} failed once: {}", dir, e.toString());
        }
    }

    private void fire(TokenEvent.Type type, Path file, String label) {
        try {
            listener.onTokenEvent(new TokenEvent(type, new SoftTokenConfig(file).uri(), label, Instant.now()));
        } catch (RuntimeException e) {
            LOG.warn("A token event listener failed: {}", e.toString());
        }
    }

    @Override
    public void close() {
        poller.shutdownNow();
    }
}
