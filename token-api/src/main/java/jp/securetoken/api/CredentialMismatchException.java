package jp.securetoken.api;

/** A certificate chain does not fit: its public key is not the token's key, or its certificates do not chain. Nothing was written. */
public final class CredentialMismatchException extends TokenException {
    private static final long serialVersionUID = 1L;

    public CredentialMismatchException(String detail) {
        super("The credential does not fit: " + detail + ". Nothing was written.");
    }
}
