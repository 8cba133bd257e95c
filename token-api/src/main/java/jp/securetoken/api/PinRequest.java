package jp.securetoken.api;

/**
 * What a {@link PinCallback} is told when the token needs a PIN, so that a prompt can say which PIN
 * and how many tries are left.
 *
 * @param role        whose PIN is wanted
 * @param purpose     why, in a few words ("login", "current PIN", "new PIN")
 * @param tokenLabel  the token's label as the user knows it
 * @param retriesLeft tries left, or {@code -1} where the token does not tell
 * @param rule        the form the PIN must have, e.g. "4 digits"
 */
public record PinRequest(PinRole role, String purpose, String tokenLabel, int retriesLeft, String rule) {
}
