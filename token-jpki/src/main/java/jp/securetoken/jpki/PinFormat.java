package jp.securetoken.jpki;

import java.util.Arrays;

import jp.securetoken.api.PinFormatException;
import jp.securetoken.api.PinRole;

/**
 * The form each JPKI PIN must have, checked on the host before the PIN goes to the card, so that a
 * typo costs no try: the user-authentication PIN is 4 digits; the signature PIN 6 to 16 characters
 * A–Z and 0–9, entered in either case and sent uppercased.
 */
final class PinFormat {

    private PinFormat() {
    }

    /** The rule as a prompt states it. */
    static String rule(JpkiTokenType type) {
        return type == JpkiTokenType.AUTH ? "4 digits" : "6 to 16 letters A-Z and digits 0-9";
    }

    /**
     * The PIN as the card wants it (ASCII, the signature PIN uppercased). Wipes {@code pin} in every
     * case; the caller wipes the returned bytes after sending them.
     *
     * @throws PinFormatException when the PIN has the wrong length or characters
     */
    static byte[] toCardBytes(JpkiTokenType type, char[] pin) throws PinFormatException {
        try {
            int min = type == JpkiTokenType.AUTH ? 4 : 6;
            int max = type == JpkiTokenType.AUTH ? 4 : 16;
            if (pin.length < min || pin.length > max) {
                throw new PinFormatException(PinRole.USER, rule(type));
            }
            byte[] out = new byte[pin.length];
            for (int i = 0; i < pin.length; i++) {
                char c = pin[i];
                if (type == JpkiTokenType.SIGN && c >= 'a' && c <= 'z') {
                    c = (char) (c - 'a' + 'A');
                }
                boolean digit = c >= '0' && c <= '9';
                boolean upper = c >= 'A' && c <= 'Z';
                if (!digit && !(upper && type == JpkiTokenType.SIGN)) {
                    Arrays.fill(out, (byte) 0);
                    throw new PinFormatException(PinRole.USER, rule(type));
                }
                out[i] = (byte) c;
            }
            return out;
        } finally {
            Arrays.fill(pin, '\0');
        }
    }
}
