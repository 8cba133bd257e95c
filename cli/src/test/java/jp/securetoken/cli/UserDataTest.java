package jp.securetoken.cli;

import static jp.securetoken.cli.CliTestSupport.expect;
import static jp.securetoken.cli.CliTestSupport.withPins;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code userdata set|get|list}: records written after login, read without one. */
class UserDataTest {
    @TempDir
    Path dir;

    @Test
    void setGetAndListRecords() throws Exception {
        Path token = Tokens.empty(dir.resolve("device.stk"), 5);
        Cli.Result set = expect(0, withPins().run("userdata", "set", token, "device-id", "--value", "MRI-0042 機器",
                "--pin-env", "UPIN"));
        assertEquals("Wrote user data record 'device-id' (15 bytes) to token 'device.stk'.\n", set.out());
        byte[] binary = {0, 1, 2, (byte) 0xff, '\n', 42};
        Path file = Files.write(dir.resolve("blob.bin"), binary);
        expect(0, withPins().run("userdata", "set", token, "blob", "--file", file, "--pin-env", "UPIN"));

        Cli.Result list = expect(0, new Cli().run("userdata", "list", token));
        assertEquals("blob  6 bytes\ndevice-id  15 bytes\n", list.out());

        Cli.Result get = expect(0, new Cli().run("userdata", "get", token, "device-id"));
        assertEquals("MRI-0042 機器", new String(get.outBytes(), StandardCharsets.UTF_8));
        Path out = dir.resolve("out.bin");
        expect(0, new Cli().run("userdata", "get", token, "blob", "--out", out));
        assertArrayEquals(binary, Files.readAllBytes(out));
    }

    @Test
    void listOfAnEmptyTokenGivesTheLimits() throws Exception {
        Path token = Tokens.empty(dir.resolve("empty.stk"), 5);
        Cli.Result r = expect(0, new Cli().run("userdata", "list", token));
        assertEquals("No user data records (limits: 64 records of at most 4096 bytes).\n", r.out());
    }

    @Test
    void aMissingRecordIsBadInput() throws Exception {
        Path token = Tokens.empty(dir.resolve("empty.stk"), 5);
        Cli.Result r = expect(6, new Cli().run("userdata", "get", token, "nothing"));
        assertEquals("nodeauth: token 'empty.stk' has no user data record 'nothing'\n", r.err());
    }

    @Test
    void aRecordOverTheLimitIsBadInput() throws Exception {
        Path token = Tokens.empty(dir.resolve("small.stk"), 5);
        Path big = Files.write(dir.resolve("big.bin"), new byte[5000]);
        Cli.Result r = expect(6, withPins().run("userdata", "set", token, "big", "--file", big, "--pin-env", "UPIN"));
        assertTrue(r.err().contains("4096"), r::toString);
    }

    @Test
    void valueAndFileTogetherAreAUsageError() throws Exception {
        Path token = Tokens.empty(dir.resolve("x.stk"), 5);
        expect(2, withPins().run("userdata", "set", token, "n", "--value", "a", "--file", token, "--pin-env", "UPIN"));
    }
}
