package jp.securetoken.remote;

import jp.securetoken.api.TokenException;

/**
 * The one-time password given to activate a remote signature was wrong or already used. Nothing was
 * signed; ask for a new one-time password and retry.
 */
public final class OneTimePasswordRejectedException extends TokenException {
    private static final long serialVersionUID = 1L;

    public OneTimePasswordRejectedException(String credentialId) {
        super("The one-time password for credential '" + credentialId
                + "' was rejected by the signing service; nothing was signed. Get a new one and retry.");
    }
}
