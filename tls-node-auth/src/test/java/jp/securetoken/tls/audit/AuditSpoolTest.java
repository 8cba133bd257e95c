package jp.securetoken.tls.audit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The on-disk spool: what survives a process, what a crash leaves, who may use it. */
class AuditSpoolTest {
    @TempDir
    Path dir;

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void messagesSurviveReopeningInTheirOrderAndNewOnesComeAfter() throws IOException {
        try (AuditSpool spool = new AuditSpool(dir, 10)) {
            assertTrue(spool.append(bytes("one")));
            assertTrue(spool.append(bytes("two")));
        }
        try (AuditSpool spool = new AuditSpool(dir, 10)) {
            assertTrue(spool.append(bytes("three")));
            List<AuditSpool.Entry> all = spool.oldest(10);
            assertEquals(3, all.size());
            assertArrayEquals(bytes("one"), all.get(0).read());
            assertArrayEquals(bytes("three"), all.get(2).read());
            spool.remove(all.get(0));
            assertEquals(2, spool.size());
        }
        try (AuditSpool spool = new AuditSpool(dir, 10)) {
            assertArrayEquals(bytes("two"), spool.oldest(1).get(0).read());
        }
    }

    @Test
    void aHalfWrittenMessageOfACrashedProcessIsDiscardedNotSent() throws IOException {
        try (AuditSpool spool = new AuditSpool(dir, 10)) {
            spool.append(bytes("whole"));
        }
        Files.writeString(dir.resolve("0000000000000000002.msg.tmp"), "half");
        Files.writeString(dir.resolve("notes.msg"), "not ours");
        try (AuditSpool spool = new AuditSpool(dir, 10)) {
            assertEquals(1, spool.size());
            assertArrayEquals(bytes("whole"), spool.oldest(10).get(0).read());
        }
        assertFalse(Files.exists(dir.resolve("0000000000000000002.msg.tmp")));
    }

    @Test
    void aFullSpoolRefusesWithoutWriting() throws IOException {
        try (AuditSpool spool = new AuditSpool(dir, 2)) {
            assertTrue(spool.append(bytes("a")));
            assertTrue(spool.append(bytes("b")));
            assertFalse(spool.append(bytes("c")));
            assertEquals(2, spool.size());
        }
    }

    @Test
    void twoSinksCannotShareASpool() throws IOException {
        try (AuditSpool first = new AuditSpool(dir, 10)) {
            IOException e = assertThrows(IOException.class, () -> new AuditSpool(dir, 10));
            assertTrue(e.getMessage().contains("in use by another sink"), e.getMessage());
        }
        new AuditSpool(dir, 10).close();
    }
}
