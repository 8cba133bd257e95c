package jp.securetoken.remote;

import jp.securetoken.api.TokenException;

/**
 * The signing service refused a request for a reason without a more precise type, or answered with
 * something that is not a well-formed CSC response. {@link #errorCode()} keeps the service's code
 * ({@code invalid_request}, ...) or {@code malformed_response}.
 */
public final class SigningServiceException extends TokenException {
    private static final long serialVersionUID = 1L;
    /** The code used when the service's answer could not be understood. */
    public static final String MALFORMED_RESPONSE = "malformed_response";
    private final String errorCode;

    public SigningServiceException(String service, String errorCode, String detail) {
        super("The signing service " + service + " answered " + errorCode + (detail.isEmpty() ? "" : ": " + detail)
                + ". Nothing was signed.");
        this.errorCode = errorCode;
    }

    /** The service's error code, or {@link #MALFORMED_RESPONSE}. */
    public String errorCode() {
        return errorCode;
    }
}
