package jp.securetoken.soft;

import java.nio.ByteBuffer;

/**
 * One PIN's entry in the file header: its failure counter and limit, its PBKDF2 salt and
 * iteration count, and the data key wrapped under the key derived from it.
 *
 * @param failures   consecutive failed tries so far
 * @param maxRetries tries before the PIN locks
 * @param iterations PBKDF2 iterations
 * @param salt       16-byte PBKDF2 salt, new for every PIN set
 * @param nonce      12-byte AES-GCM nonce of the wrap
 * @param wrappedKey the 32-byte data key sealed with AES-256-GCM (48 bytes with its tag)
 */
record PinSlot(int failures, int maxRetries, int iterations, byte[] salt, byte[] nonce, byte[] wrappedKey) {
    static final int ENCODED_LENGTH = 1 + 1 + 4 + Crypto.SALT_LENGTH + Crypto.NONCE_LENGTH + Crypto.KEY_LENGTH
            + Crypto.TAG_LENGTH;

    boolean locked() {
        return failures >= maxRetries;
    }

    int retriesLeft() {
        return Math.max(0, maxRetries - failures);
    }

    PinSlot withFailures(int n) {
        return new PinSlot(n, maxRetries, iterations, salt, nonce, wrappedKey);
    }

    /** A slot for {@code pin} wrapping {@code dataKey}, with no failures. */
    static PinSlot create(char[] pin, byte[] dataKey, int maxRetries, int iterations, byte role) {
        byte[] salt = Crypto.random(Crypto.SALT_LENGTH);
        byte[] nonce = Crypto.random(Crypto.NONCE_LENGTH);
        byte[] kek = Crypto.deriveKey(pin, salt, iterations);
        try {
            byte[] wrapped = Crypto.seal(kek, nonce, aad(role, iterations, salt), dataKey);
            return new PinSlot(0, maxRetries, iterations, salt, nonce, wrapped);
        } finally {
            Crypto.wipe(kek);
        }
    }

    /** The data key, or {@code null} when {@code pin} is not this slot's PIN. */
    byte[] unwrap(char[] pin, byte role) {
        byte[] kek = Crypto.deriveKey(pin, salt, iterations);
        try {
            return Crypto.open(kek, nonce, aad(role, iterations, salt), wrappedKey);
        } finally {
            Crypto.wipe(kek);
        }
    }

    /** What the wrap is bound to: file magic and version, the PIN's role, its KDF setting. */
    static byte[] aad(byte role, int iterations, byte[] salt) {
        ByteBuffer b = ByteBuffer.allocate(TokenFile.MAGIC.length + 2 + 1 + 4 + salt.length);
        b.put(TokenFile.MAGIC).putShort((short) TokenFile.VERSION).put(role).putInt(iterations).put(salt);
        return b.array();
    }

    void writeTo(ByteBuffer b) {
        b.put((byte) failures).put((byte) maxRetries).putInt(iterations).put(salt).put(nonce).put(wrappedKey);
    }

    static PinSlot readFrom(ByteBuffer b) {
        int failures = Byte.toUnsignedInt(b.get());
        int maxRetries = Byte.toUnsignedInt(b.get());
        int iterations = b.getInt();
        byte[] salt = new byte[Crypto.SALT_LENGTH];
        b.get(salt);
        byte[] nonce = new byte[Crypto.NONCE_LENGTH];
        b.get(nonce);
        byte[] wrapped = new byte[Crypto.KEY_LENGTH + Crypto.TAG_LENGTH];
        b.get(wrapped);
        return new PinSlot(failures, maxRetries, iterations, salt, nonce, wrapped);
    }

    @Override
    public String toString() {
        return "PinSlot[failures=" + failures + ", maxRetries=" + maxRetries + ", iterations=" + iterations + "]";
    }
}
