package jp.securetoken.api.jca;

import java.security.KeyStore;
import java.util.List;
import jp.securetoken.api.SecureToken;

/**
 * Loads a {@value SecureTokenProvider#KEYSTORE_TYPE} key store over open tokens:
 * {@code keyStore.load(new TokenKeyStoreParameter(List.of(token)))}. The key store is a live view:
 * each call reads the tokens' current credentials. Log in on the tokens before their keys are used.
 *
 * @param tokens the tokens whose credentials the key store shows; with several tokens, aliases are
 *               {@code <token label>/<credential alias>}
 */
public record TokenKeyStoreParameter(List<SecureToken> tokens) implements KeyStore.LoadStoreParameter {

    public TokenKeyStoreParameter {
        tokens = List.copyOf(tokens);
    }

    /** A key store over a single token, whose aliases are the credential aliases. */
    public static TokenKeyStoreParameter of(SecureToken token) {
        return new TokenKeyStoreParameter(List.of(token));
    }

    /** Token credentials are guarded by the token's own login, not by a key store password. */
    @Override
    public KeyStore.ProtectionParameter getProtectionParameter() {
        return null;
    }
}
