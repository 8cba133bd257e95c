package jp.securetoken.api;

/**
 * What a token says about a PIN without spending a try.
 *
 * @param role        whose PIN
 * @param retriesLeft tries left before it locks ({@code 0} when locked)
 * @param maxRetries  tries a fresh PIN has, or {@code -1} where the token does not tell
 * @param locked      whether the PIN is locked
 */
public record PinStatus(PinRole role, int retriesLeft, int maxRetries, boolean locked) {
    public PinStatus {
        if (role == null) {
            throw new IllegalArgumentException("role is required");
        }
        if (retriesLeft < 0) {
            throw new IllegalArgumentException("retriesLeft must not be negative");
        }
    }

    /** The status of a PIN with {@code retriesLeft} tries left; locked when none are left. */
    public static PinStatus of(PinRole role, int retriesLeft, int maxRetries) {
        return new PinStatus(role, retriesLeft, maxRetries, retriesLeft == 0);
    }
}
