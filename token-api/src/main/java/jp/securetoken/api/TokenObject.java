package jp.securetoken.api;

import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.Optional;

/**
 * One object a token shows, as a person inspecting the token sees it: what it is, its label and
 * identifier (PKCS#11 CKA_LABEL and CKA_ID), whether it is private (readable only after login), and
 * the certificate where it is one. Key material is never part of it.
 *
 * @param kind          what the object is
 * @param label         its label, or empty
 * @param idHex         its identifier in lower-case hex (PKCS#11 CKA_ID), or empty
 * @param privateObject whether the token shows it only after login
 * @param keyType       the key type of a key or certificate ({@code RSA}, {@code EC}), or empty
 * @param certificate   the certificate, for {@link Kind#CERTIFICATE} objects the token let us read; else null
 */
public record TokenObject(Kind kind, String label, String idHex, boolean privateObject, String keyType,
        X509Certificate certificate) {

    /** The kinds of objects a token holds (PKCS#11 object classes). */
    public enum Kind {
        CERTIFICATE, PUBLIC_KEY, PRIVATE_KEY, SECRET_KEY, DATA, OTHER;

        /** Lower-case words, e.g. {@code public key}. */
        public String displayName() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
        }
    }

    public TokenObject {
        label = label == null ? "" : label;
        idHex = idHex == null ? "" : idHex;
        keyType = keyType == null ? "" : keyType;
    }

    /** An object with an identifier given as bytes (null for none). */
    public static TokenObject of(Kind kind, String label, byte[] id, boolean privateObject, String keyType,
            X509Certificate certificate) {
        return new TokenObject(kind, label, id == null ? "" : HexFormat.of().formatHex(id), privateObject, keyType,
                certificate);
    }

    /** The certificate, for certificate objects. */
    public Optional<X509Certificate> certificateValue() {
        return Optional.ofNullable(certificate);
    }
}
