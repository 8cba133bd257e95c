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

        assertEquals(Demo.EXPECTED, outcomes, output);
        assertTrue(output.contains("clinic node (software token clinic-001) connected: the gateway proved to be CN=regional-gateway"), output);
        assertTrue(output.contains("gateway authenticated clinic terminal: CN=DEMO0001A2B3C4D5,C=JP over TLSv1.2"), output);
        assertTrue(output.contains("gateway refused stranger: the peer's chain does not lead to a trusted CA"), output);
    }

    @Test
    void aNodeEnrollsWithTheIssuingServerAndRenewsWhileAConnectionStaysOpen() throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        Demo.run(dir, new PrintStream(printed, true, StandardCharsets.UTF_8));
        String output = printed.toString(StandardCharsets.UTF_8);

        java.util.regex.Matcher enrolled = java.util.regex.Pattern.compile("clinic-002 enrolled: key generated in its "
                + "token, certificate serial ([0-9a-f]+) .*issuing-server authentication: yes").matcher(output);
        assertTrue(enrolled.find(), output);
        java.util.regex.Matcher renewed = java.util.regex.Pattern.compile("Renewal \\(brought forward for the demo\\):"
                + " now serial ([0-9a-f]+)").matcher(output);
        assertTrue(renewed.find(), output);
        assertTrue(!enrolled.group(1).equals(renewed.group(1)), output);
        assertTrue(output.contains("hospital-101 connected; clinic-002 presented serial " + enrolled.group(1) + "; echo: before"),
                output);
        assertTrue(output.contains("The open connection carries on; echo: during"), output);
        assertTrue(output.contains("The next full handshake presents serial " + renewed.group(1)), output);
        assertTrue(output.contains("audit: Security Configuration, SUCCESS: credential 'node' renewed: serial "
                + enrolled.group(1) + " replaced by " + renewed.group(1)), output);
    }
}
