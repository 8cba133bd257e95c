package jp.securetoken.jpki.emulator;

/** The status words the emulated card answers with (ISO/IEC 7816-4 meanings). */
final class StatusWord {
    static final int OK = 0x9000;
    /** {@code 63Cx}: wrong PIN or status query; OR the tries left into the low nibble. */
    static final int PIN_TRIES_LEFT = 0x63C0;
    static final int WRONG_LENGTH = 0x6700;
    static final int COMMAND_INCOMPATIBLE = 0x6981;
    static final int SECURITY_STATUS_NOT_SATISFIED = 0x6982;
    static final int AUTHENTICATION_BLOCKED = 0x6983;
    static final int COMMAND_NOT_ALLOWED = 0x6986;
    static final int WRONG_DATA = 0x6A80;
    static final int FILE_NOT_FOUND = 0x6A82;
    static final int INCORRECT_P1P2 = 0x6A86;
    static final int WRONG_P1P2_OFFSET = 0x6B00;
    static final int INS_NOT_SUPPORTED = 0x6D00;
    static final int CLA_NOT_SUPPORTED = 0x6E00;
    static final int NO_PRECISE_DIAGNOSIS = 0x6F00;

    private StatusWord() {
    }

    static byte[] only(int sw) {
        return new byte[] {(byte) (sw >> 8), (byte) sw};
    }

    static byte[] withData(byte[] data, int offset, int length, int sw) {
        byte[] out = new byte[length + 2];
        System.arraycopy(data, offset, out, 0, length);
        out[length] = (byte) (sw >> 8);
        out[length + 1] = (byte) sw;
        return out;
    }
}
