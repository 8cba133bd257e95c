package jp.securetoken.api;

/** Another process (or another open handle) holds the token exclusively. Close it there, or share one handle. */
public final class TokenBusyException extends TokenException {
    private static final long serialVersionUID = 1L;

    public TokenBusyException(String token) {
        super("Token " + token + " is in use by another process or handle. Close it there, or share one open token.");
    }
}
