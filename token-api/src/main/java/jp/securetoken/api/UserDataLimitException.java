package jp.securetoken.api;

/** A user data record, or the number of records, exceeds what the token can hold. Nothing was written. */
public final class UserDataLimitException extends TokenException {
    private static final long serialVersionUID = 1L;

    public UserDataLimitException(String detail) {
        super("User data limit exceeded: " + detail + ". Nothing was written.");
    }
}
