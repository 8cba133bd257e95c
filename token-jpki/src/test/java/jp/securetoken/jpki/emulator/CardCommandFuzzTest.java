package jp.securetoken.jpki.emulator;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzz target: the emulated card's command parser and state machine, fed a sequence of command
 * APDUs as a reader (or pcscd's vpcd) would deliver them. Input: frames of one length byte and that
 * many command bytes. The card must answer every command with at least a status word and never
 * throw. Regression inputs: {@code CardCommandFuzzTestInputs/}; {@code scripts/fuzz.sh} fuzzes for
 * real.
 */
public class CardCommandFuzzTest {
    private static final JpkiCardIdentity IDENTITY = JpkiCardIdentity.generate();

    @FuzzTest
    void commands(byte[] data) {
        fuzzerTestOneInput(data);
    }

    /** The target itself; also what a plain {@code jazzer --target_class} run calls. */
    public static void fuzzerTestOneInput(byte[] data) {
        JpkiCardEmulator card = JpkiCardEmulator.of(IDENTITY);
        card.powerOn();
        int i = 0;
        while (i < data.length) {
            int length = Math.min(data[i] & 0xFF, data.length - i - 1);
            byte[] command = java.util.Arrays.copyOfRange(data, i + 1, i + 1 + length);
            i += 1 + length;
            if (command.length == 1 && command[0] == (byte) 0xFF) {
                card.reset();
                continue;
            }
            byte[] answer = card.transmit(command);
            if (answer == null || answer.length < 2) {
                throw new AssertionError("the card gave no status word to a " + command.length + "-byte command");
            }
        }
    }
}
