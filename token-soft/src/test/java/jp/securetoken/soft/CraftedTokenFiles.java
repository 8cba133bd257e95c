package jp.securetoken.soft;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import jp.securetoken.api.TokenCorruptException;

/**
 * Test-only: rewrites a real token file the way an attacker who can write it would, with every
 * checksum and hash made right again, so that only the decoder's own checks stand in the way.
 * Shared with the CLI tests (test-jar).
 */
public final class CraftedTokenFiles {
    /** Offset of the user slot's PBKDF2 count: magic, version, reserved, failures, max retries. */
    private static final int USER_ITERATIONS = 8 + 2 + 2 + 1 + 1;

    private CraftedTokenFiles() {
    }

    /** Empties the certificate chain of every credential in the public section. */
    public static void emptyEveryChain(Path file) throws IOException, TokenCorruptException {
        TokenFile stored = TokenFile.decode(Files.readAllBytes(file));
        PublicContents contents = PublicContents.decode(stored.publicSection());
        Map<String, PublicContents.StoredChain> emptied = new TreeMap<>();
        contents.credentials().forEach((alias, chain) -> emptied.put(alias,
                new PublicContents.StoredChain(List.of(), chain.usage())));
        PublicContents crafted = new PublicContents(contents.label(), contents.serial(), contents.anchors(),
                new TreeMap<>(emptied), contents.userData());
        Files.write(file, new TokenFile(stored.user(), stored.admin(), crafted.encode(), stored.privateNonce(),
                stored.privateSealed()).encode());
    }

    /**
     * Writes {@code iterations} into the user slot's PBKDF2 count (raw, so any 32-bit value, even
     * one the decoder refuses) and fixes the file checksum.
     */
    public static void setUserIterations(Path file, int iterations) throws IOException {
        byte[] data = Files.readAllBytes(file);
        java.nio.ByteBuffer.wrap(data).putInt(USER_ITERATIONS, iterations);
        byte[] sum = Crypto.sha256(data, 0, data.length - 32);
        System.arraycopy(sum, 0, data, data.length - 32, 32);
        Files.write(file, data);
    }

    /** The user slot's PBKDF2 count as stored. */
    public static int userIterations(Path file) throws IOException {
        return java.nio.ByteBuffer.wrap(Files.readAllBytes(file)).getInt(USER_ITERATIONS);
    }
}
