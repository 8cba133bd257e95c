package jp.securetoken.pkcs11;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jp.securetoken.api.TokenException;
import jp.securetoken.api.TokenObject;

/**
 * What {@code token info} shows of a PKCS#11 token without the PIN: the objects a session sees
 * (public ones before login, private ones too after), the token flags that describe its PINs and
 * the mechanism list with each mechanism's functions and key sizes.
 */
final class Pkcs11Objects {
    /** Token flags worth showing, in the order of PKCS#11 v2.40 section 3.2. */
    private static final Map<Long, String> TOKEN_FLAGS = new LinkedHashMap<>();
    private static final Map<Long, String> MECHANISM_FLAGS = new LinkedHashMap<>();

    static {
        TOKEN_FLAGS.put(Ck.CKF_TOKEN_INITIALIZED, "token initialized");
        TOKEN_FLAGS.put(Ck.CKF_LOGIN_REQUIRED, "login required");
        TOKEN_FLAGS.put(Ck.CKF_USER_PIN_INITIALIZED, "user PIN initialized");
        TOKEN_FLAGS.put(Ck.CKF_PROTECTED_AUTHENTICATION_PATH, "PIN pad (protected authentication path)");
        TOKEN_FLAGS.put(Ck.CKF_WRITE_PROTECTED, "write protected");
        TOKEN_FLAGS.put(Ck.CKF_USER_PIN_COUNT_LOW, "user PIN count low");
        TOKEN_FLAGS.put(Ck.CKF_USER_PIN_FINAL_TRY, "user PIN final try");
        TOKEN_FLAGS.put(Ck.CKF_USER_PIN_LOCKED, "user PIN locked");
        TOKEN_FLAGS.put(Ck.CKF_USER_PIN_TO_BE_CHANGED, "user PIN to be changed");
        TOKEN_FLAGS.put(Ck.CKF_SO_PIN_COUNT_LOW, "SO PIN count low");
        TOKEN_FLAGS.put(Ck.CKF_SO_PIN_FINAL_TRY, "SO PIN final try");
        TOKEN_FLAGS.put(Ck.CKF_SO_PIN_LOCKED, "SO PIN locked");
        TOKEN_FLAGS.put(Ck.CKF_SO_PIN_TO_BE_CHANGED, "SO PIN to be changed");
        TOKEN_FLAGS.put(Ck.CKF_RNG, "random number generator");
        MECHANISM_FLAGS.put(Ck.CKF_SIGN, "sign");
        MECHANISM_FLAGS.put(Ck.CKF_VERIFY, "verify");
        MECHANISM_FLAGS.put(Ck.CKF_ENCRYPT, "encrypt");
        MECHANISM_FLAGS.put(Ck.CKF_DECRYPT, "decrypt");
        MECHANISM_FLAGS.put(Ck.CKF_DIGEST, "digest");
        MECHANISM_FLAGS.put(Ck.CKF_GENERATE_KEY_PAIR, "generate key pair");
    }

    private Pkcs11Objects() {
    }

    /** The certificates, public keys, private keys, secret keys and data objects {@code session} sees. */
    static List<TokenObject> list(Cryptoki c, long session) throws TokenException {
        List<TokenObject> out = new ArrayList<>();
        for (long objectClass : new long[] {Ck.CKO_CERTIFICATE, Ck.CKO_PUBLIC_KEY, Ck.CKO_PRIVATE_KEY,
            Ck.CKO_SECRET_KEY, Ck.CKO_DATA}) {
            for (long h : c.find(session, objectClass, null)) {
                out.add(describe(c, session, h, objectClass));
            }
        }
        return out;
    }

    private static TokenObject describe(Cryptoki c, long session, long h, long objectClass) throws TokenException {
        byte[] label = c.bytes(session, h, Ck.CKA_LABEL);
        byte[] id = objectClass == Ck.CKO_DATA ? null : c.bytes(session, h, Ck.CKA_ID);
        boolean isPrivate = c.flag(session, h, Ck.CKA_PRIVATE);
        String text = label == null ? "" : new String(label, StandardCharsets.UTF_8);
        if (objectClass == Ck.CKO_CERTIFICATE) {
            X509Certificate cert = certificate(c.bytes(session, h, Ck.CKA_VALUE));
            return TokenObject.of(TokenObject.Kind.CERTIFICATE, text, id, isPrivate,
                    cert == null ? "" : cert.getPublicKey().getAlgorithm(), cert);
        }
        TokenObject.Kind kind = objectClass == Ck.CKO_PUBLIC_KEY ? TokenObject.Kind.PUBLIC_KEY
                : objectClass == Ck.CKO_PRIVATE_KEY ? TokenObject.Kind.PRIVATE_KEY
                : objectClass == Ck.CKO_SECRET_KEY ? TokenObject.Kind.SECRET_KEY : TokenObject.Kind.DATA;
        String keyType = "";
        if (kind != TokenObject.Kind.DATA) {
            Long type = c.number(session, h, Ck.CKA_KEY_TYPE);
            keyType = type == null ? "" : type == Ck.CKK_RSA ? "RSA" : type == Ck.CKK_EC ? "EC"
                    : Cryptoki.keyTypeName(type);
        }
        return TokenObject.of(kind, text, id, isPrivate, keyType, null);
    }

    private static X509Certificate certificate(byte[] der) {
        if (der == null) {
            return null;
        }
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der));
        } catch (CertificateException e) {
            return null; // shown as a certificate object without its contents
        }
    }

    /** Token flags, PIN length limits and the mechanism list of {@code slot}. */
    static Map<String, List<String>> details(Cryptoki c, long slot) throws TokenException {
        Map<String, List<String>> out = new LinkedHashMap<>();
        Cryptoki.TokenState state = c.tokenState(slot);
        List<String> flags = new ArrayList<>();
        TOKEN_FLAGS.forEach((flag, name) -> {
            if (state.has(flag)) {
                flags.add(name);
            }
        });
        out.put("token flags", flags);
        out.put("PIN length", List.of(state.maxPin() <= 0 ? "at least " + Math.max(0, state.minPin())
                : state.minPin() + " to " + state.maxPin() + " characters"));
        List<String> mechanisms = new ArrayList<>();
        for (Cryptoki.MechanismInfo m : c.mechanisms(slot)) {
            List<String> functions = new ArrayList<>();
            MECHANISM_FLAGS.forEach((flag, name) -> {
                if (m.has(flag)) {
                    functions.add(name);
                }
            });
            List<String> facts = new ArrayList<>();
            if (!functions.isEmpty()) {
                facts.add(String.join(", ", functions));
            }
            if (m.maxKeySize() > 0) {
                facts.add("key size " + m.minKeySize() + "-" + m.maxKeySize());
            }
            mechanisms.add(Cryptoki.mechanismName(m.mechanism()) + (facts.isEmpty() ? "" : " (" + String.join("; ",
                    facts) + ")"));
        }
        out.put("mechanisms", mechanisms);
        return out;
    }
}
