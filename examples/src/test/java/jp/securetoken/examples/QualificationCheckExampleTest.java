package jp.securetoken.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QualificationCheckExampleTest {
    @TempDir
    Path dir;

    @Test
    void aGoodCardIsAcceptedAndARevokedCardIsRefusedByOcsp() throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        List<QualificationCheckExample.Check> checks = QualificationCheckExample.run(dir,
                new PrintStream(printed, true, StandardCharsets.UTF_8));
        String output = printed.toString(StandardCharsets.UTF_8);

        assertTrue(checks.get(0).accepted(), output);
        assertFalse(checks.get(1).accepted(), output);
        assertEquals("REVOKED", checks.get(1).reason(), output);
        assertTrue(output.contains("card signed challenge"), output);
    }
}
