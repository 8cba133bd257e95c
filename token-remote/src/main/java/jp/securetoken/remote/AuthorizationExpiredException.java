package jp.securetoken.remote;

import jp.securetoken.api.TokenException;

/**
 * An authorization the remote signing needs has ended: the OAuth session expired and could not be
 * refreshed, was revoked (a logout in the service's management tool), or a signature activation
 * (SAD) expired or was refused. Log in again (or ask again for the activation) and retry.
 */
public final class AuthorizationExpiredException extends TokenException {
    private static final long serialVersionUID = 1L;

    public AuthorizationExpiredException(String what) {
        super("The " + what + " has expired or was revoked at the signing service. Log in again and retry.");
    }
}
