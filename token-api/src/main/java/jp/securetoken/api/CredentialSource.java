package jp.securetoken.api;

/**
 * Where the current credential comes from, asked again at every use so that a renewed credential
 * takes effect without a restart (the key manager of a TLS server reads it at each handshake).
 */
@FunctionalInterface
public interface CredentialSource {

    /** The credential to use now. */
    Credential current() throws TokenException;

    /**
     * The credential {@code alias} of {@code token}, asked of the token at each call. How fresh the
     * answer is, is the token's business: a software token answers from the contents it holds (one
     * process at a time opens its file), a PKCS#11 token from what it read less than a second ago
     * and at once after a write through it, so a credential another process renewed is served
     * within a second.
     */
    static CredentialSource of(SecureToken token, String alias) {
        return () -> token.credential(alias);
    }
}
