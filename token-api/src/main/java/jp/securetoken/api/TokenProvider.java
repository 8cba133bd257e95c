package jp.securetoken.api;

import java.util.List;

/**
 * A kind of token (software, JPKI card, PKCS#11), registered with {@link java.util.ServiceLoader}
 * under {@code META-INF/services/jp.securetoken.api.TokenProvider}. Applications use
 * {@link SecureTokens} rather than providers directly.
 */
public interface TokenProvider {

    /** The URI scheme it opens, e.g. {@code soft}, {@code jpki}, {@code pkcs11}. */
    String scheme();

    /** Opens a token. The caller closes it. */
    SecureToken open(TokenConfig config) throws TokenException;

    /** Tokens of this kind present now. */
    List<TokenDescriptor> presentTokens() throws TokenException;

    /**
     * Starts reporting insert/remove events of this kind of token.
     *
     * @throws OperationNotSupportedException where this kind of token cannot report them
     */
    TokenWatch watch(TokenEventListener listener) throws TokenException;
}
