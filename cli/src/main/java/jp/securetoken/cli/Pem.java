package jp.securetoken.cli;

import java.util.Base64;

/** PEM text (RFC 7468) of DER bytes. */
final class Pem {
    private Pem() {
    }

    static String encode(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
    }
}
