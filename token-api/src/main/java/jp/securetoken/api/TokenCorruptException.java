package jp.securetoken.api;

/** The token's store is damaged, tampered with, or not a token at all. The token refused to use it. */
public final class TokenCorruptException extends TokenException {
    private static final long serialVersionUID = 1L;

    public TokenCorruptException(String detail) {
        super("The token store is unusable: " + detail + ". Restore it from a backup or re-issue the token.");
    }

    public TokenCorruptException(String detail, Throwable cause) {
        super("The token store is unusable: " + detail + ". Restore it from a backup or re-issue the token.", cause);
    }
}
