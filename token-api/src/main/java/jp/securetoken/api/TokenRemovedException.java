package jp.securetoken.api;

/**
 * The token went away during an operation (card pulled, USB token unplugged, connection lost).
 * The operation did not complete; the session is gone. Reinsert the token, open it and log in again.
 */
public final class TokenRemovedException extends TokenException {
    private static final long serialVersionUID = 1L;

    public TokenRemovedException(String token, Throwable cause) {
        super("Token " + token + " was removed during the operation; it did not complete. Reinsert the token and retry.",
                cause);
    }
}
