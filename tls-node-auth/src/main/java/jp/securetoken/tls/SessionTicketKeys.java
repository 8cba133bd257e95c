package jp.securetoken.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Session-ticket keys shared by a fleet of gateways, so that a clinic resumes its session at any
 * gateway behind the load balancer without a new token signature. Used by the native stack
 * ({@link TlsStack#OPENSSL}); the JDK keeps its ticket keys inside each process.
 *
 * <p>Each key is a file of 48 random bytes (16 bytes key name, 16 bytes HMAC secret, 16 bytes AES
 * key: the layout nginx's {@code ssl_session_ticket_key} uses), made e.g. with
 * {@code openssl rand 48 > keys/$(date +%Y%m%dT%H%M).key}. Given a directory, every {@code *.key}
 * file in it is a key: the newest (by modification time) encrypts new tickets, and each older key
 * still opens tickets until {@code grace} after the key that replaced it appeared, then it is
 * dropped. Rotate by writing a new file on every gateway (or on a shared volume) on a schedule; the
 * gateways pick it up at their next reload.
 */
public final class SessionTicketKeys {
    private static final Logger LOG = LoggerFactory.getLogger(SessionTicketKeys.class);
    /** Bytes in one key file. */
    public static final int KEY_FILE_SIZE = 48;

    private final Path location;
    private final Duration grace;
    private final Duration reloadEvery;
    private final Clock clock;

    private SessionTicketKeys(Path location, Duration grace, Duration reloadEvery, Clock clock) {
        this.location = location;
        this.grace = grace;
        this.reloadEvery = reloadEvery;
        this.clock = clock;
    }

    /**
     * Keys from a single key file (no rotation) or a directory of {@code *.key} files (rotation with
     * {@code grace}), reloaded every {@code reloadEvery}.
     */
    public static SessionTicketKeys from(Path location, Duration grace, Duration reloadEvery) {
        return from(location, grace, reloadEvery, Clock.systemUTC());
    }

    /** As {@link #from(Path, Duration, Duration)}, judging the grace period by {@code clock}. */
    public static SessionTicketKeys from(Path location, Duration grace, Duration reloadEvery, Clock clock) {
        if (grace.isNegative() || reloadEvery.isNegative() || reloadEvery.isZero()) {
            throw new IllegalArgumentException("the grace period must not be negative and the reload interval positive");
        }
        return new SessionTicketKeys(location, grace, reloadEvery, clock);
    }

    public Path location() {
        return location;
    }

    /** How often a context re-reads the keys. */
    public Duration reloadEvery() {
        return reloadEvery;
    }

    /** One key: its bytes as the file holds them, and when it appeared. */
    record Key(Path file, Instant since, byte[] name, byte[] hmacKey, byte[] aesKey) {
    }

    /**
     * The keys in force now: the newest first (it encrypts), then the older ones still within
     * their grace period.
     *
     * @throws TicketKeyException when there is no key, or a key file is not 48 bytes
     */
    List<Key> load() throws TicketKeyException {
        List<Path> files = new ArrayList<>();
        try {
            if (Files.isDirectory(location)) {
                try (Stream<Path> s = Files.list(location)) {
                    s.filter(p -> p.getFileName().toString().endsWith(".key") && Files.isRegularFile(p))
                            .forEach(files::add);
                }
            } else {
                files.add(location);
            }
            List<Key> keys = new ArrayList<>();
            for (Path f : files) {
                keys.add(read(f));
            }
            keys.sort(Comparator.comparing(Key::since).reversed().thenComparing(k -> k.file().toString()));
            if (keys.isEmpty()) {
                throw new TicketKeyException("no session-ticket key (*.key file) in " + location);
            }
            List<Key> inForce = new ArrayList<>(List.of(keys.get(0)));
            Instant now = clock.instant();
            for (int i = 1; i < keys.size(); i++) {
                Instant replaced = keys.get(i - 1).since();
                if (!replaced.plus(grace).isBefore(now)) {
                    inForce.add(keys.get(i));
                } else {
                    LOG.debug("Session-ticket key {} was replaced at {}; its grace period is over", keys.get(i).file(),
                            replaced);
                }
            }
            return inForce;
        } catch (IOException e) {
            throw e instanceof TicketKeyException t ? t
                    : new TicketKeyException("cannot read session-ticket keys from " + location + ": "
                            + (e instanceof java.nio.file.NoSuchFileException ? "no such file or directory"
                                    : e.getMessage()));
        }
    }

    private static Key read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        try {
            if (bytes.length != KEY_FILE_SIZE) {
                throw new TicketKeyException("session-ticket key file " + file + " holds " + bytes.length
                        + " bytes; it must hold exactly " + KEY_FILE_SIZE + " random bytes (openssl rand 48)");
            }
            warnIfOthersCanRead(file);
            return new Key(file, Files.getLastModifiedTime(file).toInstant(), Arrays.copyOfRange(bytes, 0, 16),
                    Arrays.copyOfRange(bytes, 16, 32), Arrays.copyOfRange(bytes, 32, 48));
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    /** Whoever reads a ticket key can decrypt the sessions it sealed and resume them: keep it to the gateway. */
    private static void warnIfOthersCanRead(Path file) throws IOException {
        PosixFileAttributeView posix = Files.getFileAttributeView(file, PosixFileAttributeView.class);
        if (posix != null) {
            Set<PosixFilePermission> p = posix.readAttributes().permissions();
            if (p.contains(PosixFilePermission.OTHERS_READ) || p.contains(PosixFilePermission.GROUP_READ)) {
                LOG.warn("Session-ticket key {} is readable by group or others; anyone who reads it can open the"
                        + " sessions it seals (chmod 600)", file);
            }
        }
    }

    /** A session-ticket key that is missing, unreadable or malformed. */
    public static final class TicketKeyException extends javax.net.ssl.SSLException {
        private static final long serialVersionUID = 1L;

        public TicketKeyException(String message) {
            super(message);
        }
    }
}
