package jp.securetoken.api;

/** The operation needs an authenticated session (JAHIS entity authentication) and the token is not logged in. */
public final class LoginRequiredException extends TokenException {
    private static final long serialVersionUID = 1L;

    private final String operation;

    public LoginRequiredException(String operation) {
        super(operation + " needs the user PIN first: call login() on the token, then retry.");
        this.operation = operation;
    }

    /** What needed the login, e.g. {@code Reading credentials}, for messages that are not about the Java API. */
    public String operation() {
        return operation;
    }
}
