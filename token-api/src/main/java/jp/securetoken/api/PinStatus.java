package jp.securetoken.api;

/**
 * What a token says about a PIN without spending a try.
 *
 * @param role        whose PIN
 * @param retriesLeft tries left before it locks ({@code 0} when locked), or {@link #UNKNOWN} where the token
 *                    does not tell (many PKCS#11 tokens only flag "count low", "final try" and "locked")
 * @param maxRetries  tries a fresh PIN has, or {@code -1} where the token does not tell
 * @param locked      whether the PIN is locked
 */
public record PinStatus(PinRole role, int retriesLeft, int maxRetries, boolean locked) {
    /** The value of {@link #retriesLeft()} and {@link #maxRetries()} where the token does not tell. */
    public static final int UNKNOWN = -1;

    public PinStatus {
        if (role == null) {
            throw new IllegalArgumentException("role is required");
        }
        if (retriesLeft < UNKNOWN) {
            throw new IllegalArgumentException("retriesLeft must not be negative (or UNKNOWN)");
        }
    }

    /** The status of a PIN with {@code retriesLeft} tries left; locked when none are left. */
    public static PinStatus of(PinRole role, int retriesLeft, int maxRetries) {
        return new PinStatus(role, retriesLeft, maxRetries, retriesLeft == 0);
    }

    /** An unlocked PIN whose remaining tries the token does not tell. */
    public static PinStatus retriesUnknown(PinRole role) {
        return new PinStatus(role, UNKNOWN, UNKNOWN, false);
    }

    /** Whether {@link #retriesLeft()} is a number the token told, not {@link #UNKNOWN}. */
    public boolean retriesKnown() {
        return retriesLeft != UNKNOWN;
    }
}
