package jp.securetoken.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoTest {
    @TempDir
    Path dir;

    @Test
    void theClinicAndTheCardAreAuthenticatedAndTheStrangerIsRefusedWithItsReason() throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        List<String> outcomes = Demo.run(dir, new PrintStream(printed, true, StandardCharsets.UTF_8));
        String output = printed.toString(StandardCharsets.UTF_8);

        assertEquals(List.of("authenticated", "authenticated", "refused"), outcomes, output);
        assertTrue(output.contains("clinic node (software token clinic-001) connected: the gateway proved to be CN=regional-gateway"), output);
        assertTrue(output.contains("gateway authenticated clinic terminal: CN=DEMO0001A2B3C4D5,C=JP over TLSv1.2"), output);
        assertTrue(output.contains("gateway refused stranger: the peer's chain does not lead to a trusted CA"), output);
    }
}
