package jp.securetoken.api;

/**
 * Key-based token-entity authentication failed: the device key is not the one enrolled in the
 * token, or its signature over the token's challenge does not verify. Nothing was unlocked.
 */
public final class DeviceKeyRejectedException extends TokenException {
    private static final long serialVersionUID = 1L;

    public DeviceKeyRejectedException(String reason) {
        super("The device key was refused: " + reason);
    }
}
