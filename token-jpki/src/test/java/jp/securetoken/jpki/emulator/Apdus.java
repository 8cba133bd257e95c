package jp.securetoken.jpki.emulator;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;

/** The card's commands as a host sends them (JPKI.md), and accessors for the answers. */
final class Apdus {
    static final byte[] AID = HexFormat.of().parseHex("D392F000260100000001");
    static final int SIGN_CERT = 0x0001;
    static final int SIGN_CA = 0x0002;
    static final int TOKEN_INFO = 0x0006;
    static final int AUTH_CERT = 0x000A;
    static final int AUTH_CA = 0x000B;
    static final int AUTH_KEY = 0x0017;
    static final int AUTH_PIN = 0x0018;
    static final int SIGN_KEY = 0x001A;
    static final int SIGN_PIN = 0x001B;

    private Apdus() {
    }

    static byte[] selectAp() {
        return command(0x00, 0xA4, 0x04, 0x0C, AID, -1);
    }

    static byte[] selectAid(byte[] aid, int p2) {
        return command(0x00, 0xA4, 0x04, p2, aid, -1);
    }

    static byte[] selectEf(int fid) {
        return command(0x00, 0xA4, 0x02, 0x0C, new byte[] {(byte) (fid >> 8), (byte) fid}, -1);
    }

    static byte[] readBinary(int offset, int le) {
        return command(0x00, 0xB0, offset >> 8, offset & 0xFF, null, le);
    }

    static byte[] verify(String pin) {
        return command(0x00, 0x20, 0x00, 0x80, pin.getBytes(StandardCharsets.US_ASCII), -1);
    }

    static byte[] pinStatus() {
        return command(0x00, 0x20, 0x00, 0x80, null, -1);
    }

    static byte[] changePin(String newPin) {
        return command(0x00, 0x24, 0x01, 0x80, newPin.getBytes(StandardCharsets.US_ASCII), -1);
    }

    static byte[] sign(byte[] digestInfo) {
        return command(0x80, 0x2A, 0x00, 0x80, digestInfo, 0);
    }

    /** A short APDU; {@code data} null for none, {@code le} -1 for none, 0 for 256. */
    static byte[] command(int cla, int ins, int p1, int p2, byte[] data, int le) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(cla);
        out.write(ins);
        out.write(p1);
        out.write(p2);
        if (data != null) {
            out.write(data.length);
            out.writeBytes(data);
        }
        if (le >= 0) {
            out.write(le);
        }
        return out.toByteArray();
    }

    static int sw(byte[] response) {
        return ((response[response.length - 2] & 0xFF) << 8) | (response[response.length - 1] & 0xFF);
    }

    static byte[] data(byte[] response) {
        return Arrays.copyOf(response, response.length - 2);
    }

    static String swHex(byte[] response) {
        return String.format("%04X", sw(response));
    }
}
