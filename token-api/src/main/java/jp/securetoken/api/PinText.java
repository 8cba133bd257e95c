package jp.securetoken.api;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads a PIN given as text (a PIN file, standard input): the first line, without its line end,
 * as UTF-8, and never more than {@link #MAX_BYTES} bytes, so a huge or endless source cannot
 * exhaust memory. Reads byte by byte and stops at the line end, so the rest of a stream stays
 * unread for the next PIN. Every buffer is wiped.
 */
public final class PinText {
    /** The longest PIN line read: 1 KiB, far above any token's PIN rule (at most 64 characters). */
    public static final int MAX_BYTES = 1024;

    private PinText() {
    }

    /** The source's first line is longer than {@link #MAX_BYTES} bytes; the PIN is not in the message. */
    public static final class TooLongException extends IOException {
        private static final long serialVersionUID = 1L;

        TooLongException() {
            super("the PIN line is longer than " + MAX_BYTES + " bytes");
        }
    }

    /**
     * The first line of {@code in}, or {@code null} when the stream ends before its first byte.
     *
     * @throws TooLongException          when the line has more than {@link #MAX_BYTES} bytes
     * @throws CharacterCodingException when it is not UTF-8
     * @throws IOException               when reading fails
     */
    public static char[] firstLine(InputStream in) throws IOException {
        byte[] buffer = new byte[MAX_BYTES + 1];
        int length = 0;
        try {
            int b;
            while ((b = in.read()) != -1 && b != '\n') {
                if (length == MAX_BYTES) {
                    throw new TooLongException();
                }
                buffer[length++] = (byte) b;
            }
            if (b == -1 && length == 0) {
                return null;
            }
            if (length > 0 && buffer[length - 1] == '\r') {
                length--;
            }
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(buffer, 0, length));
            char[] pin = new char[chars.remaining()];
            chars.get(pin);
            Arrays.fill(chars.array(), '\0');
            return pin;
        } finally {
            Arrays.fill(buffer, (byte) 0);
        }
    }
}
