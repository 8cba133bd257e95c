package jp.securetoken.api;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.DefaultSignatureAlgorithmIdentifierFinder;

/**
 * A BouncyCastle {@link ContentSigner} whose signature is computed inside the token: it collects
 * the bytes BouncyCastle wants signed (a certification request, a certificate, a CRL) and has the
 * {@link TokenKey} sign them. BouncyCastle's interface cannot throw a checked error, so a token
 * failure yields an empty signature and is thrown again by {@link #rethrowFailure()}, which every
 * user calls after building.
 */
public final class TokenContentSigner implements ContentSigner {
    private final TokenKey key;
    private final SignatureScheme scheme;
    private final ByteArrayOutputStream data = new ByteArrayOutputStream();
    private TokenException failure;

    /** @throws UnsupportedSignatureSchemeException when the key cannot compute {@code scheme} */
    public TokenContentSigner(TokenKey key, SignatureScheme scheme) throws UnsupportedSignatureSchemeException {
        if (!key.signatureSchemes().contains(scheme)) {
            throw new UnsupportedSignatureSchemeException(scheme, key.signatureSchemes());
        }
        this.key = key;
        this.scheme = scheme;
    }

    @Override
    public AlgorithmIdentifier getAlgorithmIdentifier() {
        String name = switch (scheme.padding()) {
            case PSS -> scheme.digestAlgorithm().replace("-", "") + "withRSAandMGF1";
            default -> scheme.jcaAlgorithm();
        };
        return new DefaultSignatureAlgorithmIdentifierFinder().find(name);
    }

    @Override
    public OutputStream getOutputStream() {
        return data;
    }

    @Override
    public byte[] getSignature() {
        try {
            return key.sign(scheme, data.toByteArray());
        } catch (TokenException e) {
            failure = e;
            return new byte[0];
        }
    }

    /** Throws the token's error if signing failed; the object built with this signer is then worthless. */
    public void rethrowFailure() throws TokenException {
        if (failure != null) {
            throw failure;
        }
    }
}
