package jp.securetoken.remote;

import java.io.ByteArrayInputStream;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jp.securetoken.api.CredentialUsage;
import jp.securetoken.api.SignatureScheme;

/**
 * What {@code credentials/info} says about one remote credential: its chain, the schemes its key
 * signs, whether it is enabled, and what a signature activation asks for (PIN, one-time password).
 *
 * @param id        the CSC credential ID, used as the alias
 * @param chain     entity certificate first
 * @param schemes   the schemes the service offers for this key
 * @param enabled   whether the key is enabled
 * @param needsPin  whether credentials/authorize wants a PIN
 * @param needsOtp  whether credentials/authorize wants a one-time password
 * @param onlineOtp whether the service sends the one-time password (credentials/sendOTP) rather than a device making it
 */
record RemoteCredential(String id, List<X509Certificate> chain, Set<SignatureScheme> schemes, boolean enabled,
        boolean needsPin, boolean needsOtp, boolean onlineOtp) {
    private static final String RSA = "1.2.840.113549.1.1.1";
    private static final String EC = "1.2.840.10045.2.1";
    private static final String PSS = "1.2.840.113549.1.1.10";

    static RemoteCredential fromInfo(String id, Map<String, Object> info) {
        Map<String, Object> key = CscJson.object(info, "key");
        Map<String, Object> cert = CscJson.object(info, "cert");
        List<X509Certificate> chain = new ArrayList<>();
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            for (String b64 : CscJson.texts(cert, "certificates")) {
                chain.add((X509Certificate) cf.generateCertificate(
                        new ByteArrayInputStream(CscJson.base64(b64, "certificates"))));
            }
        } catch (CertificateException | ClassCastException e) {
            throw new CscJson.Malformed("'certificates' holds a certificate that cannot be read");
        }
        if (chain.isEmpty()) {
            throw new CscJson.Malformed("'certificates' is empty");
        }
        boolean needsPin = false;
        boolean needsOtp = false;
        boolean online = false;
        Map<String, Object> auth = CscJson.object(info, "auth");
        String mode = CscJson.text(auth, "mode");
        if ("explicit".equals(mode)) {
            for (Map<String, Object> object : CscJson.objects(auth, "objects")) {
                String objectId = CscJson.text(object, "id");
                if ("PIN".equals(objectId)) {
                    needsPin = true;
                } else if ("OTP".equals(objectId)) {
                    needsOtp = true;
                    online = "online".equals(CscJson.optionalText(object, "generator"));
                }
            }
        }
        return new RemoteCredential(id, List.copyOf(chain), schemes(chain.get(0), CscJson.texts(key, "algo")),
                "enabled".equals(CscJson.text(key, "status")), needsPin, needsOtp, online);
    }

    /** The schemes among the key's algorithms that fit the certificate's key. */
    static Set<SignatureScheme> schemes(X509Certificate certificate, List<String> algorithms) {
        EnumSet<SignatureScheme> out = EnumSet.noneOf(SignatureScheme.class);
        String keyType = certificate.getPublicKey().getAlgorithm();
        int curveBits = certificate.getPublicKey() instanceof ECPublicKey ec
                ? ec.getParams().getCurve().getField().getFieldSize() : 0;
        for (SignatureScheme s : SignatureScheme.values()) {
            if (!s.keyAlgorithm().equals(keyType) || "SHA-1".equals(s.digestAlgorithm())) {
                continue;
            }
            boolean offered = algorithms.contains(s.signatureAlgorithmOid())
                    || switch (s.padding()) {
                        case PKCS1 -> algorithms.contains(RSA);
                        case PSS -> algorithms.contains(PSS);
                        case NONE -> algorithms.contains(EC);
                    };
            boolean curveFits = s.padding() != SignatureScheme.Padding.NONE || curveBits == switch (s) {
                case ECDSA_P256_SHA256 -> 256;
                case ECDSA_P384_SHA384 -> 384;
                default -> 521;
            };
            if (offered && curveFits) {
                out.add(s);
            }
        }
        return out;
    }

    /** Node authentication when the certificate allows TLS clients, else document signing. */
    CredentialUsage usage() {
        try {
            List<String> eku = chain.get(0).getExtendedKeyUsage();
            return eku != null && eku.contains("1.3.6.1.5.5.7.3.2") ? CredentialUsage.NODE_AUTHENTICATION
                    : CredentialUsage.DOCUMENT_SIGNING;
        } catch (java.security.cert.CertificateParsingException e) {
            return CredentialUsage.DOCUMENT_SIGNING;
        }
    }
}
