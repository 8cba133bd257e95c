package jp.securetoken.api;

/** Reading or writing the token's storage failed (disk full, no permission, read-only directory). Nothing was changed. */
public final class TokenStorageException extends TokenException {
    private static final long serialVersionUID = 1L;

    public TokenStorageException(String detail, Throwable cause) {
        super("The token storage could not be used: " + detail + ". Nothing was changed; check permissions and free space.",
                cause);
    }
}
