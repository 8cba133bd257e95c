package jp.securetoken.remote;

import jp.securetoken.api.TokenException;

/**
 * The remote credential was deleted or disabled at the signing service, possibly while this session
 * was using it (the guideline's management tool can delete a key at any time). Nothing was signed;
 * choose another credential or restore this one at the service.
 */
public final class CredentialUnavailableException extends TokenException {
    private static final long serialVersionUID = 1L;
    private final String credentialId;

    public CredentialUnavailableException(String credentialId, String reason) {
        super("The remote credential '" + credentialId + "' cannot sign: " + reason
                + ". It was deleted or disabled at the signing service; choose another credential.");
        this.credentialId = credentialId;
    }

    /** The CSC credential ID. */
    public String credentialId() {
        return credentialId;
    }
}
