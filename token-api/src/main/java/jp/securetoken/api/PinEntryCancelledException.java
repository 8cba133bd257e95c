package jp.securetoken.api;

/** The PIN callback gave no PIN (the user cancelled). Nothing was sent to the token. */
public final class PinEntryCancelledException extends TokenException {
    private static final long serialVersionUID = 1L;

    public PinEntryCancelledException(PinRole role) {
        super("No " + role.displayName() + " was given; the operation was cancelled and no try was spent.");
    }
}
