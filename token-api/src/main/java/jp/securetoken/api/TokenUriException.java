package jp.securetoken.api;

/** A token address could not be used: malformed, or no installed provider handles its scheme. */
public final class TokenUriException extends TokenException {
    private static final long serialVersionUID = 1L;

    public TokenUriException(String detail) {
        super("Bad token address: " + detail);
    }
}
