package jp.securetoken.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.security.auth.x500.X500Principal;

import jp.securetoken.api.Credential;
import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.SignatureScheme;
import jp.securetoken.lifecycle.node.NodeEnrollment;
import jp.securetoken.soft.RenewCrashChild;
import jp.securetoken.soft.SoftTokens;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Crash mid-write during a renewal: a child JVM renews against the real EST server and is halted
 * at each step of the token write that stores the new credential (and at the rename of the pending
 * key's write). Afterwards the token opens, holds the old credential (halted before the rename) or
 * the new one (after it), signs with it, and renews again normally.
 */
class RenewCrashTest extends WithIssuingServer {

    private static int haltChild(Path token, String step, int occurrence) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-XX:TieredStopAtLevel=1",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", RenewCrashChild.class.getName(), token.toString(), step,
                Integer.toString(occurrence)));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("NODE_PIN", IssuerFixture.USER_PIN);
        Process child = pb.start();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the child finished");
        assertEquals(3, child.exitValue(), "the child halted at " + step + " #" + occurrence + ":\n" + output);
        return child.exitValue();
    }

    /** Opens the token: its credential must be {@code expected} (when given), lead to the anchor and sign. */
    private static X509Certificate usable(Path file, X509Certificate expected, String when) throws Exception {
        try (SecureToken token = SoftTokens.open(file)) {
            token.login(IssuerFixture.pin());
            Credential c = token.credential("node");
            if (expected != null) {
                assertEquals(expected, c.certificate(), when);
            }
            assertEquals(anchor, c.chain().get(c.chain().size() - 1), when);
            byte[] data = "still usable".getBytes(StandardCharsets.UTF_8);
            byte[] signature = c.key().sign(SignatureScheme.ECDSA_P256_SHA256, data);
            java.security.Signature v = java.security.Signature.getInstance("SHA256withECDSA");
            v.initVerify(c.certificate().getPublicKey());
            v.update(data);
            assertTrue(v.verify(signature), "the credential's key signs for its certificate " + when);
            return c.certificate();
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aRenewalHaltedMidWriteLeavesAUsableCredentialAndTheNextRenewalWorks() throws Exception {
        Path file = IssuerFixture.emptyToken(dir.resolve("node.stk"));
        X509Certificate current;
        try (SecureToken token = SoftTokens.open(file)) {
            token.login(IssuerFixture.pin());
            String code = state.invite(new X500Principal("CN=clinic-crash"), List.of(), Duration.ofDays(1));
            current = NodeEnrollment.enroll(token, "node", KeyAlgorithm.EC_P256, server.uri(), anchor,
                    code.toCharArray(), null).certificate();
        }
        // write 1 stores the pending key: halted anywhere in it, the old credential stays
        haltChild(file, "RENAMED", 1);
        current = usable(file, current, "after a halt while storing the pending key");
        // write 2 stores the new credential: before the rename the old one stays; from the rename on, the new one
        for (String step : List.of("TEMP_CREATED", "TEMP_WRITTEN", "TEMP_SYNCED")) {
            haltChild(file, step, 2);
            current = usable(file, current, "after a halt at " + step + " of the credential write");
        }
        for (String step : List.of("RENAMED", "DIRECTORY_SYNCED")) {
            haltChild(file, step, 2);
            X509Certificate now = usable(file, null, "after a halt at " + step + " of the credential write");
            assertNotEquals(current, now, "the rename took the new credential in (" + step + ")");
            current = now;
        }
        try (SecureToken token = SoftTokens.open(file)) {
            token.login(IssuerFixture.pin());
            X509Certificate renewed = NodeEnrollment.renew(token, "node", null, null, true).certificate();
            assertNotEquals(current, renewed);
        }
        usable(file, null, "after a normal renewal");
    }
}
