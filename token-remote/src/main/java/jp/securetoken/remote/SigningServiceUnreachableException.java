package jp.securetoken.remote;

import jp.securetoken.api.TokenException;

/**
 * The remote signing service could not be reached or did not answer in time (connection refused,
 * name not resolved, timeout). Nothing was signed. Check the address and the network, then retry.
 */
public final class SigningServiceUnreachableException extends TokenException {
    private static final long serialVersionUID = 1L;

    public SigningServiceUnreachableException(String service, String reason, Throwable cause) {
        super("The signing service " + service + " cannot be reached (" + reason
                + "). Nothing was signed; check the address and the network, then retry.", cause);
    }
}
