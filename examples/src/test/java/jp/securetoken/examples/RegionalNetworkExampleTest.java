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

class RegionalNetworkExampleTest {
    @TempDir
    Path dir;

    @Test
    void theListedClinicReachesTheRecordsAndTheUnlistedNodeIsRefused() throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        List<RegionalNetworkExample.Attempt> attempts = RegionalNetworkExample.run(dir,
                new PrintStream(printed, true, StandardCharsets.UTF_8));

        assertEquals("clinic-001", attempts.get(0).node());
        assertTrue(attempts.get(0).admitted());
        assertEquals("3 referrals waiting", attempts.get(0).answer());
        assertEquals("lab-999", attempts.get(1).node());
        assertFalse(attempts.get(1).admitted());
        String output = printed.toString(StandardCharsets.UTF_8);
        assertTrue(output.contains("clinic-001 -> access point: authenticated"), output);
        assertTrue(output.contains("lab-999 -> access point: refused"), output);
    }
}
