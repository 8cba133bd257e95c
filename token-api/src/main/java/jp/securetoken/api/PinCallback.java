package jp.securetoken.api;

import java.util.Arrays;

/**
 * Supplies a PIN when a token needs one. The token owns the returned array and wipes it after use,
 * so a callback returns a fresh array each time. Returning {@code null} cancels the operation.
 */
@FunctionalInterface
public interface PinCallback {

    char[] providePin(PinRequest request);

    /**
     * A callback that gives a copy of {@code pin} at each call. The copy it keeps is wiped by
     * {@link Fixed#close()}; prefer an interactive callback where a person is present.
     */
    static Fixed fixed(char[] pin) {
        return new Fixed(pin);
    }

    /** A callback over a PIN known in advance (configuration, environment, tests). Close it to wipe the PIN. */
    final class Fixed implements PinCallback, AutoCloseable {
        private final char[] pin;

        private Fixed(char[] pin) {
            this.pin = pin.clone();
        }

        @Override
        public char[] providePin(PinRequest request) {
            return pin.clone();
        }

        @Override
        public void close() {
            Arrays.fill(pin, '\0');
        }

        @Override
        public String toString() {
            return "PinCallback.Fixed[****]";
        }
    }
}
