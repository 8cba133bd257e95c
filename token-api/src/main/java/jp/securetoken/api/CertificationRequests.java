package jp.securetoken.api;

import java.io.IOException;
import java.security.interfaces.ECPublicKey;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * Builds PKCS#10 certification requests (RFC 2986) whose signature is computed inside the token,
 * for any {@link TokenKey}. Token implementations use it for
 * {@link CredentialLifecycle#createCertificationRequest}.
 */
public final class CertificationRequests {

    private CertificationRequests() {
    }

    /** A DER PKCS#10 request for {@code key}, signed with the scheme {@link #defaultScheme} picks. */
    public static byte[] create(TokenKey key, X500Principal subject) throws TokenException {
        return create(key, subject, defaultScheme(key));
    }

    /** A DER PKCS#10 request for {@code key}, signed inside the token with {@code scheme}. */
    public static byte[] create(TokenKey key, X500Principal subject, SignatureScheme scheme) throws TokenException {
        TokenContentSigner signer = new TokenContentSigner(key, scheme);
        PKCS10CertificationRequest request = new JcaPKCS10CertificationRequestBuilder(
                X500Name.getInstance(subject.getEncoded()), key.publicKey()).build(signer);
        signer.rethrowFailure();
        try {
            return request.getEncoded();
        } catch (IOException e) {
            throw new IllegalStateException("encoding a request built in memory failed", e);
        }
    }

    /**
     * The scheme a request is signed with by default: PKCS#1 v1.5 SHA-256 for RSA (what every CA
     * accepts; PSS where the key cannot do PKCS#1), ECDSA with the curve's own hash for EC.
     */
    public static SignatureScheme defaultScheme(TokenKey key) throws UnsupportedSignatureSchemeException {
        List<SignatureScheme> preference;
        if (key.publicKey() instanceof ECPublicKey ec) {
            int bits = ec.getParams().getCurve().getField().getFieldSize();
            preference = bits > 384 ? List.of(SignatureScheme.ECDSA_P521_SHA512)
                    : bits > 256 ? List.of(SignatureScheme.ECDSA_P384_SHA384)
                    : List.of(SignatureScheme.ECDSA_P256_SHA256);
        } else {
            preference = List.of(SignatureScheme.RSA_PKCS1_SHA256, SignatureScheme.RSA_PSS_SHA256);
        }
        for (SignatureScheme s : preference) {
            if (key.signatureSchemes().contains(s)) {
                return s;
            }
        }
        throw new UnsupportedSignatureSchemeException(preference.get(0), key.signatureSchemes());
    }
}
