package jp.securetoken.api;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;

import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.DefaultSignatureAlgorithmIdentifierFinder;

/**
 * A BouncyCastle {@link ContentSigner} whose signature is made by a token key: BouncyCastle collects
 * the bytes to sign (a PKCS#10 request body, a CMS SignerInfo's signed attributes), the token signs
 * them with the chosen scheme. BouncyCastle's interface cannot throw a checked error, so a token
 * failure is kept: call {@link #rethrowFailure()} after building, before using the result.
 */
public final class TokenContentSigner implements ContentSigner {
    private final TokenKey key;
    private final SignatureScheme scheme;
    private final AlgorithmIdentifier algorithm;
    private final ByteArrayOutputStream data = new ByteArrayOutputStream();
    private TokenException failure;

    /** A signer over {@code key} with {@code scheme}, which must be one of the key's. */
    public TokenContentSigner(TokenKey key, SignatureScheme scheme) throws UnsupportedSignatureSchemeException {
        if (!key.signatureSchemes().contains(scheme)) {
            throw new UnsupportedSignatureSchemeException(scheme, key.signatureSchemes());
        }
        this.key = key;
        this.scheme = scheme;
        String name = switch (scheme.padding()) {
            case PSS -> scheme.digestAlgorithm().replace("-", "") + "withRSAandMGF1";
            default -> scheme.jcaAlgorithm();
        };
        this.algorithm = new DefaultSignatureAlgorithmIdentifierFinder().find(name);
    }

    @Override
    public AlgorithmIdentifier getAlgorithmIdentifier() {
        return algorithm;
    }

    @Override
    public OutputStream getOutputStream() {
        return data;
    }

    /** Signs in the token; on a token error returns an empty signature and keeps the error. */
    @Override
    public byte[] getSignature() {
        try {
            return key.sign(scheme, data.toByteArray());
        } catch (TokenException e) {
            failure = e;
            return new byte[0];
        }
    }

    /** Throws the token's error if signing failed; the built object must then be discarded. */
    public void rethrowFailure() throws TokenException {
        if (failure != null) {
            throw failure;
        }
    }
}
