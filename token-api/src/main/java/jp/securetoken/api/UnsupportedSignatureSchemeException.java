package jp.securetoken.api;

import java.util.Set;

/** The key cannot compute the signature scheme asked for (e.g. RSA-PSS on a PKCS#1-v1.5-only card). */
public final class UnsupportedSignatureSchemeException extends TokenException {
    private static final long serialVersionUID = 1L;
    private final SignatureScheme scheme;

    public UnsupportedSignatureSchemeException(SignatureScheme scheme, Set<SignatureScheme> supported) {
        super("The key cannot sign with " + scheme + "; it supports " + supported + ".");
        this.scheme = scheme;
    }

    public SignatureScheme scheme() {
        return scheme;
    }
}
