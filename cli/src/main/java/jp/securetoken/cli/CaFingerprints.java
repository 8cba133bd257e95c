package jp.securetoken.cli;

import java.io.PrintWriter;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import jp.securetoken.api.Credential;
import jp.securetoken.api.LoginRequiredException;
import jp.securetoken.api.OperationNotSupportedException;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.TokenException;
import jp.securetoken.api.TokenObject;

/**
 * The CA certificates a token holds (self-signed certificates among its objects and at the end of
 * its credentials' chains), with their SHA-256 fingerprints, checked against the fingerprints the
 * user configured ({@code token info --ca-pin}). The JPKI user guide publishes the My Number Card
 * CAs' fingerprints so that users can check the CA on their card.
 */
final class CaFingerprints {
    private CaFingerprints() {
    }

    /** The configured fingerprints as lower-case hex without separators. */
    static List<String> normalise(List<String> given) throws CliException {
        List<String> out = new ArrayList<>();
        for (String g : given) {
            String hex = g.replace(":", "").replace(" ", "").toLowerCase(Locale.ROOT);
            if (!hex.matches("[0-9a-f]{64}")) {
                throw new CliException(ExitCode.USAGE, "--ca-pin '" + g + "' is not a SHA-256 fingerprint (64 hex "
                        + "digits, colons allowed)");
            }
            out.add(hex);
        }
        return out;
    }

    /** Each CA certificate of the token: subject, fingerprint and, with pins given, whether one matches. */
    static List<Map<String, Object>> check(SecureToken token, List<String> pins) throws TokenException {
        Map<String, X509Certificate> found = new LinkedHashMap<>();
        try {
            for (TokenObject o : token.objects()) {
                o.certificateValue().filter(CaFingerprints::selfSigned).ifPresent(c -> found.put(sha256(c), c));
            }
        } catch (OperationNotSupportedException e) {
            // the token shows its contents as credentials only
        }
        try {
            for (Credential c : token.credentials()) {
                X509Certificate last = c.chain().get(c.chain().size() - 1);
                if (selfSigned(last)) {
                    found.put(sha256(last), last);
                }
            }
        } catch (LoginRequiredException e) {
            // the objects readable without login are all there is
        }
        List<Map<String, Object>> out = new ArrayList<>();
        found.forEach((fingerprint, cert) -> {
            Map<String, Object> ca = new LinkedHashMap<>();
            ca.put("subject", cert.getSubjectX500Principal().getName());
            ca.put("sha256", colons(fingerprint));
            if (!pins.isEmpty()) {
                ca.put("pinned", pins.contains(fingerprint));
            }
            out.add(ca);
        });
        return out;
    }

    static void print(PrintWriter out, List<Map<String, Object>> cas, boolean pinsGiven) {
        for (Map<String, Object> ca : cas) {
            out.printf("CA certificate     %s%n", ca.get("subject"));
            out.printf("  SHA-256          %s%s%n", ca.get("sha256"), !pinsGiven ? ""
                    : Boolean.TRUE.equals(ca.get("pinned")) ? "  (matches a configured --ca-pin)"
                    : "  (MATCHES NO configured --ca-pin)");
        }
        if (pinsGiven && cas.isEmpty()) {
            out.println("CA certificate     none readable: nothing to check against --ca-pin");
        }
        out.flush();
    }

    /** Fails with exit code 5 when pins were given and a CA certificate matches none, or none was readable. */
    static void requirePinned(List<Map<String, Object>> cas, boolean pinsGiven) throws CliException {
        if (!pinsGiven) {
            return;
        }
        if (cas.isEmpty()) {
            throw new CliException(ExitCode.PEER_REJECTED, "the token shows no CA certificate to check against"
                    + " --ca-pin");
        }
        for (Map<String, Object> ca : cas) {
            if (!Boolean.TRUE.equals(ca.get("pinned"))) {
                throw new CliException(ExitCode.PEER_REJECTED, "the token's CA certificate " + ca.get("subject")
                        + " (SHA-256 " + ca.get("sha256") + ") matches none of the configured --ca-pin fingerprints;"
                        + " do not trust this token's credentials");
            }
        }
    }

    private static boolean selfSigned(X509Certificate c) {
        return c.getSubjectX500Principal().equals(c.getIssuerX500Principal());
    }

    private static String sha256(X509Certificate c) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(c.getEncoded()));
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new IllegalStateException("SHA-256 over a parsed certificate cannot fail", e);
        }
    }

    private static String colons(String hex) {
        return HexFormat.ofDelimiter(":").withUpperCase().formatHex(HexFormat.of().parseHex(hex));
    }
}
