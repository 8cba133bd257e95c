package jp.securetoken.api;

/** No token is present where one was asked for (no card in the reader, no token file, no matching slot). */
public final class TokenNotPresentException extends TokenException {
    private static final long serialVersionUID = 1L;

    public TokenNotPresentException(String what) {
        super("No token is present: " + what + ". Insert the token or check its address.");
    }

    public TokenNotPresentException(String what, Throwable cause) {
        super("No token is present: " + what + ". Insert the token or check its address.", cause);
    }
}
