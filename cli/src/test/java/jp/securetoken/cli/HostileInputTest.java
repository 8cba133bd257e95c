package jp.securetoken.cli;

import static jp.securetoken.cli.CliTestSupport.expect;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import jp.securetoken.soft.CraftedTokenFiles;
import jp.securetoken.testpki.TestPki;

/**
 * Inputs an attacker controls, found by fuzzing and review (issue 10): each ends with a documented
 * exit code and one line naming the problem, never a Java exception.
 */
class HostileInputTest {
    @TempDir
    Path dir;

    private static void assertOneClearLine(Cli.Result r) {
        assertTrue(r.err().startsWith("nodeauth: "), r::toString);
        assertEquals(1, r.err().lines().count(), r::toString);
        assertFalse(r.err().contains("Exception") || r.err().contains("java."), r::toString);
    }

    @Test
    void aTokenFileWithAnEmptyCertificateChainIsBadInput() throws Exception {
        Path token = Tokens.withCredential(dir.resolve("node.stk"), TestPki.create("Hostile CA"), Duration.ofDays(30));
        CraftedTokenFiles.emptyEveryChain(token);
        Cli.Result r = expect(6, new Cli().run("token", "info", token));
        assertOneClearLine(r);
        assertTrue(r.err().contains("empty certificate chain"), r::toString);
    }

    @Test
    void aTokenFileAskingForAHugeKdfCountIsBadInput() throws Exception {
        Path token = Tokens.empty(dir.resolve("node.stk"), 5);
        CraftedTokenFiles.setUserIterations(token, Integer.MAX_VALUE);
        Cli.Result r = expect(6, CliTestSupport.withPins().run("userdata", "set", token, "id", "--value", "x",
                "--pin-env", "UPIN"));
        assertOneClearLine(r);
    }

    @Test
    void aModulePathWithANulIsABadAddress() throws Exception {
        Cli.Result r = expect(4, new Cli().run("token", "info", "pkcs11:token=a?module-path=/x%00y"));
        assertOneClearLine(r);
        assertTrue(r.err().contains("module-path"), r::toString);
    }

    @Test
    void aPercentEscapeWithFullwidthDigitsIsABadAddress() throws Exception {
        Cli.Result r = expect(4, new Cli().run("token", "info", "pkcs11:token=%\uFF11\uFF11"));
        assertOneClearLine(r);
    }

    @Test
    void aHugePinFileIsRefusedWithoutReadingIt() throws Exception {
        Path token = Tokens.empty(dir.resolve("node.stk"), 5);
        byte[] endless = new byte[8 * 1024 * 1024];
        Arrays.fill(endless, (byte) '7');
        Path pinFile = Files.write(dir.resolve("huge.pin"), endless);
        Cli.Result r = expect(3, new Cli().run("userdata", "set", token, "id", "--value", "x", "--pin-file", pinFile));
        assertOneClearLine(r);
        assertTrue(r.err().contains("longer than 1024 bytes"), r::toString);
    }

    @Test
    void aHugePinLineOnStandardInputGivesNoPin() throws Exception {
        Path token = Tokens.empty(dir.resolve("node.stk"), 5);
        Cli.Result r = expect(3, new Cli().stdin("7".repeat(16 * 1024)).run("userdata", "set", token, "id",
                "--value", "x", "--pin-stdin"));
        assertTrue(r.err().contains("longer than 1024 bytes"), r::toString);
        Cli.Result info = expect(0, new Cli().run("token", "info", token));
        assertTrue(info.out().contains("User PIN           5 of 5 tries left"), "no try spent: " + info);
    }
}
