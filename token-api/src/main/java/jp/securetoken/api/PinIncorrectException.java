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

    /**
     * A wrong PIN on a token that does not tell how many tries remain (a PKCS#11 token without the
     * "final try" or "locked" flag set); {@link #retriesLeft()} is then {@link PinStatus#UNKNOWN}.
     */
    public PinIncorrectException(PinRole role) {
        super("The " + role.displayName() + " is incorrect; the token does not tell how many tries are left before it"
                + " locks it. Check the PIN before trying again.");
        this.role = role;
        this.retriesLeft = PinStatus.UNKNOWN;
    }

    /** Whether the token told the tries left; otherwise {@link #retriesLeft()} is {@link PinStatus#UNKNOWN}. */
    public boolean retriesKnown() {
        return retriesLeft != PinStatus.UNKNOWN;
    }

    public PinRole role() {
        return role;
    }

    /** Tries left before the PIN locks, or {@link PinStatus#UNKNOWN} where the token does not tell. */
    public int retriesLeft() {
        return retriesLeft;
    }
}
