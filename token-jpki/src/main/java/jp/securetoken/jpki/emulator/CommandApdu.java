package jp.securetoken.jpki.emulator;

import java.util.Arrays;

/**
 * A parsed short command APDU (ISO/IEC 7816-3 cases 1–4). The card speaks short APDUs only, so an
 * extended-length encoding does not parse.
 */
record CommandApdu(int cla, int ins, int p1, int p2, byte[] data, int le) {

    /** {@code le} when the command has no Le field. */
    static final int NO_LE = -1;

    /**
     * Parses {@code apdu}, or returns {@code null} when its length fields do not match its size.
     * Le {@code 00} is returned as 256.
     */
    static CommandApdu parse(byte[] apdu) {
        if (apdu.length < 4) {
            return null;
        }
        int cla = apdu[0] & 0xFF;
        int ins = apdu[1] & 0xFF;
        int p1 = apdu[2] & 0xFF;
        int p2 = apdu[3] & 0xFF;
        if (apdu.length == 4) {
            return new CommandApdu(cla, ins, p1, p2, new byte[0], NO_LE);
        }
        int b5 = apdu[4] & 0xFF;
        if (apdu.length == 5) {
            return new CommandApdu(cla, ins, p1, p2, new byte[0], b5 == 0 ? 256 : b5);
        }
        if (b5 == 0) {
            return null; // extended length
        }
        byte[] data = Arrays.copyOfRange(apdu, 5, Math.min(apdu.length, 5 + b5));
        if (apdu.length == 5 + b5) {
            return new CommandApdu(cla, ins, p1, p2, data, NO_LE);
        }
        if (apdu.length == 6 + b5) {
            int le = apdu[5 + b5] & 0xFF;
            return new CommandApdu(cla, ins, p1, p2, data, le == 0 ? 256 : le);
        }
        return null;
    }

    boolean hasData() {
        return data.length > 0;
    }

    boolean hasLe() {
        return le != NO_LE;
    }
}
