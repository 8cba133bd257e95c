package jp.securetoken.cli;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;

import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.DefaultSignatureAlgorithmIdentifierFinder;
import org.bouncycastle.operator.RuntimeOperatorException;

import jp.securetoken.api.SignatureScheme;
import jp.securetoken.api.TokenException;
import jp.securetoken.api.TokenKey;

/**
 * A BouncyCastle {@link ContentSigner} whose signature is made by a token key: BouncyCastle
 * collects the bytes to sign (a CMS SignerInfo's signed attributes), the token signs them with the
 * chosen scheme (hashing on the host, the signature in the token, wherever the token is). A token
 * error is kept as the cause so that the command can report it with its own exit code.
 */
final class TokenContentSigner implements ContentSigner {
    private final TokenKey key;
    private final SignatureScheme scheme;
    private final AlgorithmIdentifier algorithm;
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();

    TokenContentSigner(TokenKey key, SignatureScheme scheme) {
        this.key = key;
        this.scheme = scheme;
        String name = switch (scheme.padding()) {
            case PSS -> scheme.digestAlgorithm().replace("-", "") + "WITHRSAANDMGF1";
            default -> scheme.jcaAlgorithm().toUpperCase(java.util.Locale.ROOT);
        };
        this.algorithm = new DefaultSignatureAlgorithmIdentifierFinder().find(name);
    }

    /** The scheme to sign documents with: SHA-256 (or the curve's hash) with PKCS#1 v1.5, else PSS, else ECDSA. */
    static SignatureScheme schemeFor(TokenKey key) throws CliException {
        for (SignatureScheme s : new SignatureScheme[] {SignatureScheme.RSA_PKCS1_SHA256, SignatureScheme.RSA_PSS_SHA256,
            SignatureScheme.ECDSA_P256_SHA256, SignatureScheme.ECDSA_P384_SHA384, SignatureScheme.ECDSA_P521_SHA512}) {
            if (key.signatureSchemes().contains(s)) {
                return s;
            }
        }
        throw new CliException(ExitCode.BAD_INPUT, "the key cannot sign with SHA-256 RSA or ECDSA");
    }

    @Override
    public AlgorithmIdentifier getAlgorithmIdentifier() {
        return algorithm;
    }

    @Override
    public OutputStream getOutputStream() {
        return buffer;
    }

    @Override
    public byte[] getSignature() {
        try {
            return key.sign(scheme, buffer.toByteArray());
        } catch (TokenException e) {
            throw new RuntimeOperatorException("the token did not sign", e);
        }
    }
}
