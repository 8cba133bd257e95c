package jp.securetoken.api;

/** The PIN was wrong. The token counted the failure; {@link #retriesLeft()} tries remain before it locks. */
public final class PinIncorrectException extends TokenException {
    private static final long serialVersionUID = 1L;
    private final PinRole role;
    private final int retriesLeft;

    public PinIncorrectException(PinRole role, int retriesLeft) {
        super("The " + role.displayName() + " is incorrect; " + retriesLeft + (retriesLeft == 1 ? " try" : " tries")
                + " left before the token locks it. Check the PIN before trying again.");
        this.role = role;
        this.retriesLeft = retriesLeft;
    }

    public PinRole role() {
        return role;
    }

    /** Tries left before the PIN locks; never negative. */
    public int retriesLeft() {
        return retriesLeft;
    }
}
