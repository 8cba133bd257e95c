package jp.securetoken.api;

/** The token handle was closed; open the token again to use it. */
public final class TokenClosedException extends TokenException {
    private static final long serialVersionUID = 1L;

    public TokenClosedException(String token) {
        super("Token " + token + " was closed. Open it again to use it.");
    }
}
