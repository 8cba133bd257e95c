package jp.securetoken.api;

/** No credential (certificate with its private key) exists under the alias asked for. */
public final class CredentialNotFoundException extends TokenException {
    private static final long serialVersionUID = 1L;
    private final String alias;

    public CredentialNotFoundException(String alias, String token) {
        super("Token " + token + " has no credential '" + alias + "'. List the token's credentials to see what it holds.");
        this.alias = alias;
    }

    public String alias() {
        return alias;
    }
}
