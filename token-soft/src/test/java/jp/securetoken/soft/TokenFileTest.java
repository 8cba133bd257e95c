package jp.securetoken.soft;

import static jp.securetoken.soft.Fixtures.USER_PIN;
import static jp.securetoken.soft.Fixtures.pin;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.PinRole;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.SignatureScheme;
import jp.securetoken.api.TokenCorruptException;
import jp.securetoken.api.TokenNotPresentException;
import jp.securetoken.api.TokenStorageException;
import jp.securetoken.testpki.TestPki;

class TokenFileTest {
    private static final int HEADER = 8 + 2 + 2 + 2 * PinSlot.ENCODED_LENGTH;

    @TempDir
    Path dir;

    /** A token holding one credential, closed. */
    private Path tokenWithCredential() throws Exception {
        Path file = Fixtures.create(dir, "file");
        try (SecureToken token = SoftTokens.open(file)) {
            token.login(pin(USER_PIN));
            Fixtures.issue(token, TestPki.create("File Test CA"), "node", KeyAlgorithm.EC_P256);
        }
        return file;
    }

    private static int publicLength(byte[] data) {
        return ByteBuffer.wrap(data, HEADER, 4).getInt();
    }

    /** Recomputes the whole-file checksum, as someone altering the file on purpose would. */
    private static byte[] withTrailerFixed(byte[] data) {
        byte[] sum = Crypto.sha256(data, 0, data.length - 32);
        System.arraycopy(sum, 0, data, data.length - 32, 32);
        return data;
    }

    @Test
    void tokenSurvivesCloseAndReopenWithItsCredential() throws Exception {
        Path file = tokenWithCredential();
        try (SecureToken token = SoftTokens.open(file)) {
            assertEquals("file", token.info().label());
            assertEquals(16, token.info().serialNumber().length());
            token.login(pin(USER_PIN));
            byte[] sig = token.credential("node").key().sign(SignatureScheme.ECDSA_P256_SHA256, new byte[] {1});
            assertTrue(Fixtures.verifies(token.credential("node").certificate().getPublicKey(),
                    SignatureScheme.ECDSA_P256_SHA256, new byte[] {1}, sig));
        }
    }

    @Test
    void truncatedFileIsCorrupt() throws Exception {
        Path file = tokenWithCredential();
        byte[] data = Files.readAllBytes(file);
        for (int length : new int[] {0, 4, 8, 100, data.length / 2, data.length - 1}) {
            Files.write(file, Arrays.copyOf(data, length));
            assertThrows(TokenCorruptException.class, () -> SoftTokens.open(file), "length " + length);
        }
    }

    @Test
    void flippedByteAnywhereIsCorruptBeforeLogin() throws Exception {
        Path file = tokenWithCredential();
        byte[] data = Files.readAllBytes(file);
        for (int offset = 8; offset < data.length; offset += Math.max(1, data.length / 97)) {
            byte[] copy = data.clone();
            copy[offset] ^= 0x01;
            Files.write(file, copy);
            assertThrows(TokenCorruptException.class, () -> SoftTokens.open(file), "offset " + offset);
        }
    }

    @Test
    void flippedByteInPublicSectionIsCaughtByItsHashEvenWithTheFileChecksumFixed() throws Exception {
        Path file = tokenWithCredential();
        byte[] data = Files.readAllBytes(file);
        data[HEADER + 4 + publicLength(data) / 2] ^= 0x40;
        Files.write(file, withTrailerFixed(data));
        TokenCorruptException e = assertThrows(TokenCorruptException.class, () -> SoftTokens.open(file));
        assertTrue(e.getMessage().contains("public section"), e.getMessage());
    }

    @Test
    void flippedByteInPrivateSectionIsCorruptAtLoginNotAWrongPin() throws Exception {
        Path file = tokenWithCredential();
        byte[] data = Files.readAllBytes(file);
        int privateStart = HEADER + 4 + publicLength(data) + 32 + Crypto.NONCE_LENGTH + 4;
        data[privateStart + 10] ^= 0x01;
        Files.write(file, withTrailerFixed(data));
        try (SecureToken token = SoftTokens.open(file)) {
            assertEquals("node", token.credentials().get(0).alias(), "the public part is still readable");
            TokenCorruptException e = assertThrows(TokenCorruptException.class, () -> token.login(pin(USER_PIN)));
            assertTrue(e.getMessage().contains("private section"), e.getMessage());
            assertFalse(token.isLoggedIn());
            assertEquals(5, token.pinStatus(PinRole.USER).retriesLeft(), "the PIN was right: no try is lost");
        }
    }

    @Test
    void publicSectionSwappedFromAnotherVersionOfTheFileFailsAtLogin() throws Exception {
        Path file = tokenWithCredential();
        byte[] old = Files.readAllBytes(file);
        try (SecureToken token = SoftTokens.open(file)) {
            token.login(pin(USER_PIN));
            token.userData().write("device-id", "ACME-0001".getBytes(StandardCharsets.US_ASCII));
        }
        byte[] now = Files.readAllBytes(file);
        // Graft the new public section onto the old private section: the AAD binding must refuse it.
        int oldPub = publicLength(old);
        int newPub = publicLength(now);
        ByteBuffer graft = ByteBuffer.allocate(old.length - oldPub + newPub);
        graft.put(now, 0, HEADER + 4 + newPub + 32);
        graft.put(old, HEADER + 4 + oldPub + 32, old.length - (HEADER + 4 + oldPub + 32));
        Files.write(file, withTrailerFixed(graft.array()));
        try (SecureToken token = SoftTokens.open(file)) {
            assertThrows(TokenCorruptException.class, () -> token.login(pin(USER_PIN)));
        }
    }

    @Test
    void fileOfAnotherTypeIsCorrupt() throws Exception {
        Path file = dir.resolve("not-a-token.stk");
        Files.writeString(file, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
        TokenCorruptException e = assertThrows(TokenCorruptException.class, () -> SoftTokens.open(file));
        assertTrue(e.getMessage().contains("not a securetoken software token"));
        Files.write(file, new byte[0]);
        assertThrows(TokenCorruptException.class, () -> SoftTokens.open(file));
    }

    @Test
    void missingFileIsNotPresent() {
        assertThrows(TokenNotPresentException.class, () -> SoftTokens.open(dir.resolve("nowhere.stk")));
        assertThrows(TokenNotPresentException.class, () -> SoftTokens.open(dir));
    }

    @Test
    void settingsRefuseAWeakKdfAndImpossibleRetryCounts() {
        assertThrows(IllegalArgumentException.class, () -> Fixtures.settings("weak").kdfIterations(9_999));
        assertThrows(IllegalArgumentException.class, () -> Fixtures.settings("none").maxRetries(0));
        assertThrows(IllegalArgumentException.class, () -> Fixtures.settings("many").maxRetries(16));
        assertThrows(IllegalArgumentException.class, () -> SoftTokenSettings.builder(" "));
        assertEquals(600_000, SoftTokenSettings.builder("default").userPin(pin(USER_PIN))
                .administratorPin(pin(USER_PIN)).build().kdfIterations());
    }

    @Test
    void createRefusesAnEmptyPinAndWritesNothing() {
        Path file = dir.resolve("empty-pin.stk");
        assertThrows(jp.securetoken.api.PinFormatException.class,
                () -> SoftTokens.create(file, Fixtures.settings("empty").userPin(pin("")).build()));
        assertFalse(Files.exists(file));
    }

    @Test
    void createNeverOverwritesAnExistingFile() throws Exception {
        Path file = tokenWithCredential();
        byte[] before = Files.readAllBytes(file);
        assertThrows(TokenStorageException.class, () -> SoftTokens.create(file, Fixtures.settings("again").build()));
        assertArrayEquals(before, Files.readAllBytes(file));
    }

    @Test
    void readOnlyDirectoryFailsCreateAndWriteWithStorageErrorAndLeavesTheFileAlone() throws Exception {
        Path sub = Files.createDirectory(dir.resolve("ro"));
        Path file = Fixtures.create(sub, "ro");
        try (SecureToken token = SoftTokens.open(file)) {
            token.login(pin(USER_PIN));
            byte[] before = Files.readAllBytes(file);
            ReadOnly.make(sub);
            try {
                assertThrows(TokenStorageException.class,
                        () -> SoftTokens.create(sub.resolve("new.stk"), Fixtures.settings("new").build()));
                assertThrows(TokenStorageException.class,
                        () -> token.userData().write("device-id", new byte[] {1, 2, 3}));
                assertThrows(TokenStorageException.class,
                        () -> token.lifecycle().generateKeyPair("node", KeyAlgorithm.EC_P256));
                assertArrayEquals(before, Files.readAllBytes(file));
                assertFalse(Files.exists(sub.resolve("new.stk")));
                assertTrue(token.userData().read("device-id").isEmpty(), "memory state follows the disk");
            } finally {
                ReadOnly.undo(sub);
            }
            token.userData().write("device-id", new byte[] {1, 2, 3});
        }
    }

    /** Makes a directory unwritable even for root (chattr +i), where permissions alone do not. */
    static final class ReadOnly {
        private ReadOnly() {
        }

        static void make(Path dir) throws Exception {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("r-xr-xr-x"));
            if (writable(dir)) {
                run("chattr", "+i", dir.toString());
            }
            if (writable(dir)) {
                throw new AssertionError("could not make " + dir + " read-only");
            }
        }

        static void undo(Path dir) throws Exception {
            if ("root".equals(System.getProperty("user.name"))) {
                run("chattr", "-i", dir.toString());
            }
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        }

        private static boolean writable(Path dir) {
            Path probe = dir.resolve(".probe");
            try {
                Files.createFile(probe);
                Files.delete(probe);
                return true;
            } catch (java.io.IOException e) {
                return false;
            }
        }

        private static void run(String... cmd) throws Exception {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            p.waitFor();
        }
    }
}
