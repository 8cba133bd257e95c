package jp.securetoken.tls.audit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentSkipListSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bounded on-disk queue of audit messages that survives the process: one file per message,
 * written to a temporary name, forced to disk, renamed into place and the directory forced, so a
 * message is either wholly in the spool or not at all. Files are named by a sequence number, so
 * the oldest is sent first; a message leaves the spool only when the repository has it.
 */
final class AuditSpool implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AuditSpool.class);
    private static final String SUFFIX = ".msg";
    private static final String TEMPORARY = ".tmp";

    /** A message in the spool. */
    record Entry(long sequence, Path file) {
        byte[] read() throws IOException {
            return Files.readAllBytes(file);
        }
    }

    private final Path dir;
    private final int capacity;
    private final ConcurrentSkipListSet<Long> sequences = new ConcurrentSkipListSet<>();
    private final FileChannel lockFile;
    private final FileLock lock;
    private long next;

    /**
     * Opens (or creates) the spool in {@code dir}, takes up the messages a previous process left
     * there and deletes half-written ones.
     */
    AuditSpool(Path dir, int capacity) throws IOException {
        if (capacity < 1) {
            throw new IllegalArgumentException("spool capacity must be at least 1, not " + capacity);
        }
        this.dir = Files.createDirectories(dir);
        this.capacity = capacity;
        lockFile = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock held;
        try {
            held = lockFile.tryLock();
        } catch (OverlappingFileLockException e) {
            held = null;
        }
        if (held == null) {
            lockFile.close();
            throw new IOException("the audit spool " + dir + " is in use by another sink");
        }
        lock = held;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                if (name.endsWith(TEMPORARY)) {
                    Files.deleteIfExists(f);
                } else if (name.endsWith(SUFFIX)) {
                    try {
                        sequences.add(Long.parseLong(name.substring(0, name.length() - SUFFIX.length())));
                    } catch (NumberFormatException e) {
                        LOG.warn("Ignoring {} in the audit spool: not a spool file", f);
                    }
                }
            }
        }
        next = sequences.isEmpty() ? 1 : sequences.last() + 1;
        if (!sequences.isEmpty()) {
            LOG.info("Audit spool {}: {} message(s) left by an earlier run will be sent", dir, sequences.size());
        }
    }

    /**
     * Adds a message, durably, before returning.
     *
     * @return false when the spool already holds its capacity (nothing written)
     * @throws UncheckedIOException when the disk refuses the write
     */
    synchronized boolean append(byte[] message) {
        if (sequences.size() >= capacity) {
            return false;
        }
        long sequence = next++;
        Path temporary = dir.resolve(name(sequence) + TEMPORARY);
        Path file = dir.resolve(name(sequence) + SUFFIX);
        try {
            try (FileChannel out = FileChannel.open(temporary, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.wrap(message);
                while (buffer.hasRemaining()) {
                    out.write(buffer);
                }
                out.force(true);
            }
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE);
            forceDirectory();
        } catch (IOException e) {
            try {
                Files.deleteIfExists(temporary);
            } catch (IOException ignored) {
                // the temporary file is removed at the next start
            }
            throw new UncheckedIOException("cannot write to the audit spool " + dir + ": " + e.getMessage(), e);
        }
        sequences.add(sequence);
        return true;
    }

    /** Up to {@code max} of the oldest messages, oldest first. */
    List<Entry> oldest(int max) {
        List<Entry> out = new ArrayList<>(Math.min(max, sequences.size()));
        for (Long s : sequences) {
            if (out.size() == max) {
                break;
            }
            out.add(new Entry(s, dir.resolve(name(s) + SUFFIX)));
        }
        return out;
    }

    /** Removes a message the repository has. */
    void remove(Entry entry) throws IOException {
        try {
            Files.delete(entry.file());
        } catch (NoSuchFileException e) {
            LOG.debug("Audit spool file {} already gone", entry.file());
        }
        sequences.remove(entry.sequence());
    }

    /** Messages waiting. */
    int size() {
        return sequences.size();
    }

    int capacity() {
        return capacity;
    }

    Path directory() {
        return dir;
    }

    /** Releases the spool's lock; the messages stay for the next sink. */
    @Override
    public void close() {
        try {
            lock.release();
            lockFile.close();
        } catch (IOException e) {
            LOG.debug("Releasing the audit spool lock: {}", e.getMessage());
        }
    }

    private void forceDirectory() throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    private static String name(long sequence) {
        return String.format("%019d", sequence);
    }
}
