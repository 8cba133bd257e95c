package jp.securetoken.remote;

import jp.securetoken.api.TokenException;

/**
 * The TLS connection to the signing service was refused because the service's certificate did not
 * pass the trust check (unknown CA, wrong host name, expired) or no safe protocol was agreed. No
 * request, token or PIN was sent. Check the trust anchors configured for the service.
 */
public final class SigningServiceUntrustedException extends TokenException {
    private static final long serialVersionUID = 1L;

    public SigningServiceUntrustedException(String service, Throwable cause) {
        super("The signing service " + service + " failed the TLS trust check; nothing was sent to it. Check the"
                + " trust anchors configured for the service and its certificate.", cause);
    }
}
