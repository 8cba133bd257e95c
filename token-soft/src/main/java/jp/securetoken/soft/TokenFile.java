package jp.securetoken.soft;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;

import jp.securetoken.api.TokenCorruptException;

/**
 * The bytes of a token file, split into its parts, without decrypting anything. See the module
 * README for the layout. Decoding checks the magic, the lengths, the whole-file checksum and the
 * public section's hash, so damage is found before anyone logs in.
 *
 * @param user          the user PIN slot
 * @param admin         the administrator PIN slot
 * @param publicSection the serialised {@link PublicContents}, in clear
 * @param privateNonce  the AES-GCM nonce of the private section
 * @param privateSealed the serialised {@link PrivateContents}, encrypted under the data key
 */
record TokenFile(PinSlot user, PinSlot admin, byte[] publicSection, byte[] privateNonce, byte[] privateSealed) {
    static final byte[] MAGIC = "SECTOKEN".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;
    static final byte ROLE_USER = 1;
    static final byte ROLE_ADMIN = 2;
    private static final int HASH = 32;
    private static final int MAX_SECTION = 64 * 1024 * 1024;

    TokenFile withUser(PinSlot slot) {
        return new TokenFile(slot, admin, publicSection, privateNonce, privateSealed);
    }

    TokenFile withAdmin(PinSlot slot) {
        return new TokenFile(user, slot, publicSection, privateNonce, privateSealed);
    }

    /** What the private section is bound to: magic, version and the hash of the public section. */
    static byte[] privateAad(byte[] publicSection) {
        ByteBuffer b = ByteBuffer.allocate(MAGIC.length + 2 + HASH);
        b.put(MAGIC).putShort((short) VERSION).put(Crypto.sha256(publicSection));
        return b.array();
    }

    byte[] encode() {
        int length = MAGIC.length + 2 + 2 + 2 * PinSlot.ENCODED_LENGTH + 4 + publicSection.length + HASH
                + Crypto.NONCE_LENGTH + 4 + privateSealed.length + HASH;
        ByteBuffer b = ByteBuffer.allocate(length);
        b.put(MAGIC).putShort((short) VERSION).putShort((short) 0);
        user.writeTo(b);
        admin.writeTo(b);
        b.putInt(publicSection.length).put(publicSection).put(Crypto.sha256(publicSection));
        b.put(privateNonce).putInt(privateSealed.length).put(privateSealed);
        b.put(Crypto.sha256(b.array(), 0, b.position()));
        return b.array();
    }

    static TokenFile decode(byte[] data) throws TokenCorruptException {
        if (data.length < MAGIC.length || !Arrays.equals(data, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new TokenCorruptException("the file is not a securetoken software token (wrong magic)");
        }
        try {
            ByteBuffer b = ByteBuffer.wrap(data);
            b.position(MAGIC.length);
            int version = Short.toUnsignedInt(b.getShort());
            if (version != VERSION) {
                throw new TokenCorruptException("the file has format version " + version + "; this SDK reads "
                        + VERSION);
            }
            b.getShort();
            if (data.length < HASH || !MessageDigest.isEqual(Crypto.sha256(data, 0, data.length - HASH),
                    Arrays.copyOfRange(data, data.length - HASH, data.length))) {
                throw new TokenCorruptException("the file checksum does not match (truncated or damaged file)");
            }
            PinSlot user = PinSlot.readFrom(b);
            PinSlot admin = PinSlot.readFrom(b);
            byte[] publicSection = bytes(b, length(b));
            byte[] publicHash = bytes(b, HASH);
            if (!MessageDigest.isEqual(publicHash, Crypto.sha256(publicSection))) {
                throw new TokenCorruptException("the public section's hash does not match");
            }
            byte[] nonce = bytes(b, Crypto.NONCE_LENGTH);
            byte[] sealed = bytes(b, length(b));
            if (b.remaining() != HASH) {
                throw new TokenCorruptException("the file has unexpected trailing data");
            }
            if (user.maxRetries() == 0 || admin.maxRetries() == 0) {
                throw new TokenCorruptException("the PIN header holds impossible values");
            }
            requireIterations(user);
            requireIterations(admin);
            return new TokenFile(user, admin, publicSection, nonce, sealed);
        } catch (BufferUnderflowException | IllegalArgumentException e) {
            throw new TokenCorruptException("the file is truncated or its lengths are inconsistent", e);
        }
    }

    /**
     * A PBKDF2 count outside the settings' bounds is refused before any PIN is tried: a huge one
     * would hold the token (and a counted try) for hours, a tiny one makes the PIN cheap to search.
     */
    private static void requireIterations(PinSlot slot) throws TokenCorruptException {
        if (slot.iterations() < SoftTokenSettings.MIN_KDF_ITERATIONS
                || slot.iterations() > SoftTokenSettings.MAX_KDF_ITERATIONS) {
            throw new TokenCorruptException("the PIN header asks for " + Integer.toUnsignedString(slot.iterations())
                    + " PBKDF2 iterations; a token file has " + SoftTokenSettings.MIN_KDF_ITERATIONS + " to "
                    + SoftTokenSettings.MAX_KDF_ITERATIONS);
        }
    }

    private static int length(ByteBuffer b) {
        int n = b.getInt();
        if (n < 0 || n > MAX_SECTION || n > b.remaining()) {
            throw new IllegalArgumentException("section length out of range");
        }
        return n;
    }

    private static byte[] bytes(ByteBuffer b, int n) {
        byte[] out = new byte[n];
        b.get(out);
        return out;
    }
}
