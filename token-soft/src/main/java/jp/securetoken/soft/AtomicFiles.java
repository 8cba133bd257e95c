package jp.securetoken.soft;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import jp.securetoken.api.TokenNotPresentException;
import jp.securetoken.api.TokenStorageException;

/**
 * Replaces a file so that a crash at any moment leaves the old file or the new one, never neither
 * and never a mix: write a temporary file in the same directory, fsync it, rename it over the old
 * one with {@code ATOMIC_MOVE}, fsync the directory.
 */
final class AtomicFiles {
    private static final Logger LOG = LoggerFactory.getLogger(AtomicFiles.class);

    /** The named points of one replace, in order; the crash test halts the JVM at each. */
    enum Step {
        TEMP_CREATED, TEMP_WRITTEN, TEMP_SYNCED, RENAMED, DIRECTORY_SYNCED
    }

    /** Told of each step as it is reached. Only the crash test sets one. */
    @FunctionalInterface
    interface StepHook {
        void reached(Step step);
    }

    /**
     * The crash test's hook: the one piece of static mutable state in this module, set only by the
     * child JVM of {@code CrashSafetyTest} before it touches a token, and {@code null} otherwise.
     */
    static volatile StepHook hook;

    private AtomicFiles() {
    }

    static void replace(Path target, byte[] data) throws TokenStorageException {
        Path dir = target.toAbsolutePath().getParent();
        Path temp = null;
        try {
            temp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
            reached(Step.TEMP_CREATED);
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                ByteBuffer b = ByteBuffer.wrap(data);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                reached(Step.TEMP_WRITTEN);
                ch.force(true);
            }
            reached(Step.TEMP_SYNCED);
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            temp = null;
            reached(Step.RENAMED);
            syncDirectory(dir);
            reached(Step.DIRECTORY_SYNCED);
        } catch (IOException e) {
            throw new TokenStorageException("writing " + target + " failed (" + e.getClass().getSimpleName() + ")", e);
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException e) {
                    LOG.warn("Could not remove the temporary file {}: {}", temp, e.toString());
                }
            }
        }
    }

    /**
     * Deletes temporary files a crashed writer left next to {@code target}. Called only by the
     * holder of the token's lock, so no writer is running.
     */
    static void removeLeftovers(Path target) {
        Path dir = target.toAbsolutePath().getParent();
        String prefix = "." + target.getFileName() + ".";
        try (DirectoryStream<Path> temps = Files.newDirectoryStream(dir,
                p -> p.getFileName().toString().startsWith(prefix) && p.getFileName().toString().endsWith(".tmp"))) {
            for (Path temp : temps) {
                Files.deleteIfExists(temp);
                LOG.info("Removed {} left by an interrupted write", temp);
            }
        } catch (IOException e) {
            LOG.warn("Could not clean temporary files next to {}: {}", target, e.toString());
        }
    }

    static byte[] read(Path file) throws TokenNotPresentException, TokenStorageException {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new TokenNotPresentException("no token file at " + file, e);
        } catch (IOException e) {
            if (Files.isDirectory(file)) {
                throw new TokenNotPresentException(file + " is a directory, not a token file", e);
            }
            throw new TokenStorageException("reading " + file + " failed (" + e.getClass().getSimpleName() + ")", e);
        }
    }

    private static void syncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Some platforms (Windows) cannot open a directory; the rename is still atomic there.
            LOG.debug("Directory {} could not be synced: {}", dir, e.toString());
        }
    }

    private static void reached(Step step) {
        StepHook h = hook;
        if (h != null) {
            h.reached(step);
        }
    }
}
