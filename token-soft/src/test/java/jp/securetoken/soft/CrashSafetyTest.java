package jp.securetoken.soft;

import static jp.securetoken.soft.Fixtures.USER_PIN;
import static jp.securetoken.soft.Fixtures.pin;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import jp.securetoken.api.Credential;
import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.SignatureScheme;
import jp.securetoken.testpki.TestPki;

/**
 * Kills a child JVM in the middle of credential renewals, at every named step of the atomic
 * replace and at assorted moments, and checks that the token always opens with a credential whose
 * key matches its certificate: the old one or the new one, never a mix.
 */
class CrashSafetyTest {
    private static final byte[] DATA = "after the crash".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;
    private Path file;

    @BeforeEach
    void tokenWithACredential() throws Exception {
        file = Fixtures.create(dir, "crash");
        try (SecureToken token = SoftTokens.open(file)) {
            token.login(pin(USER_PIN));
            Fixtures.issue(token, TestPki.create("Initial CA"), "node", KeyAlgorithm.EC_P256);
        }
    }

    private void assertTokenIntact(String when) throws Exception {
        try (SecureToken token = SoftTokens.open(file)) {
            token.login(pin(USER_PIN));
            Credential node = token.credential("node");
            byte[] sig = node.key().sign(SignatureScheme.ECDSA_P256_SHA256, DATA);
            assertTrue(Fixtures.verifies(node.certificate().getPublicKey(), SignatureScheme.ECDSA_P256_SHA256, DATA,
                    sig), "key matches certificate " + when);
        }
        try (Stream<Path> files = Files.list(dir)) {
            List<String> names = files.map(p -> p.getFileName().toString()).sorted().toList();
            assertEquals(List.of("crash.stk", "crash.stk.lock"), names, "no leftovers " + when);
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void haltAtEveryWriteStepLeavesTheOldOrTheNewCredential() throws Exception {
        for (AtomicFiles.Step step : AtomicFiles.Step.values()) {
            // Writes 1-2 are the login's counter; 3 stores the pending key, 4 the new credential.
            for (int occurrence : new int[] {1, 3, 4}) {
                Process child = Fixtures.startChild(CrashChild.class, file.toString(), "halt", step.name(),
                        Integer.toString(occurrence));
                child.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
                assertTrue(child.waitFor(30, TimeUnit.SECONDS), "child finished");
                assertEquals(3, child.exitValue(), "child halted at " + step + " #" + occurrence);
                assertTokenIntact("after halt at " + step + " #" + occurrence);
            }
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void killAtAssortedMomentsLeavesTheOldOrTheNewCredential() throws Exception {
        for (int lines : new int[] {2, 6, 11, 17, 24, 33}) {
            Process child = Fixtures.startChild(CrashChild.class, file.toString(), "trace");
            BufferedReader out = Fixtures.lines(child);
            for (int i = 0; i < lines && out.readLine() != null; i++) {
                // let the child get this far
            }
            child.destroyForcibly();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS), "child ended");
            assertTokenIntact("after kill at output line " + lines);
        }
    }
}
