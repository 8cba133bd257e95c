package jp.securetoken.api;

/** The token device answered with an error the SDK has no more precise type for; the device's code is kept. */
public final class TokenDeviceException extends TokenException {
    private static final long serialVersionUID = 1L;
    private final String deviceCode;

    public TokenDeviceException(String detail, String deviceCode, Throwable cause) {
        super("The token reported an error: " + detail + " (" + deviceCode + ").", cause);
        this.deviceCode = deviceCode;
    }

    /** The device's own result, e.g. {@code CKR_DEVICE_ERROR} or status word {@code 6F00}. */
    public String deviceCode() {
        return deviceCode;
    }
}
