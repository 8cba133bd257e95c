package jp.securetoken.api;

/**
 * Where the current credential comes from, asked again at every use so that a renewed credential
 * takes effect without a restart (the key manager of a TLS server reads it at each handshake).
 */
@FunctionalInterface
public interface CredentialSource {

    /** The credential to use now. */
    Credential current() throws TokenException;

    /** The credential {@code alias} of {@code token}, read from the token at each call. */
    static CredentialSource of(SecureToken token, String alias) {
        return () -> token.credential(alias);
    }
}
