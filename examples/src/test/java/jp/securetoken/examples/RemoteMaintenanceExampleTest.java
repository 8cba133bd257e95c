package jp.securetoken.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RemoteMaintenanceExampleTest {
    @TempDir
    Path dir;

    @Test
    void onlyTheContractedCentreMaintainsAGenuineDeviceAndEverySessionIsAudited() throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        List<RemoteMaintenanceExample.Session> sessions = RemoteMaintenanceExample.run(dir,
                new PrintStream(printed, true, StandardCharsets.UTF_8));
        String output = printed.toString(StandardCharsets.UTF_8);

        RemoteMaintenanceExample.Session contracted = sessions.get(0);
        assertTrue(contracted.completed(), output);
        assertEquals(Optional.of("SN-12345"), contracted.device());
        assertTrue(contracted.outcome().contains("error-count=0"), contracted.outcome());

        RemoteMaintenanceExample.Session otherVendor = sessions.get(1);
        assertFalse(otherVendor.completed());
        assertTrue(otherVendor.outcome().startsWith("refused by the hospital gateway"), otherVendor.outcome());

        RemoteMaintenanceExample.Session altered = sessions.get(2);
        assertFalse(altered.completed());
        assertTrue(altered.outcome().contains("SN-99999"), altered.outcome());

        List<String> audit = Files.readAllLines(dir.resolve("maintenance-audit.log"));
        assertTrue(audit.stream().anyMatch(l -> l.contains("csd-code=\"110120\"") && l.contains("rsc-01")
                && l.contains("SN-12345")), String.join("\n", audit));
        assertTrue(audit.stream().anyMatch(l -> l.contains("csd-code=\"110126\"") && l.contains("EventOutcomeIndicator=\"4\"")
                && l.contains("NOT_ALLOWED")), String.join("\n", audit));
        assertTrue(audit.stream().anyMatch(l -> l.contains("maintenance refused")), String.join("\n", audit));
    }
}
