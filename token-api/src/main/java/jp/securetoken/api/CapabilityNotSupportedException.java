package jp.securetoken.api;

/** The token lacks the JAHIS capability the operation needs, e.g. user data storage on a My Number Card. */
public final class CapabilityNotSupportedException extends TokenException {
    private static final long serialVersionUID = 1L;
    private final JahisCapability capability;

    public CapabilityNotSupportedException(JahisCapability capability, String token) {
        this(capability, token, null);
    }

    /** With the token's reason for lacking it, when it gives one. */
    public CapabilityNotSupportedException(JahisCapability capability, String token, String reason) {
        super("Token " + token + " does not offer the JAHIS capability '" + capability.displayName() + "' ("
                + capability.levels() + ")" + (reason == null ? "." : ": " + reason + "."));
        this.capability = capability;
    }

    public JahisCapability capability() {
        return capability;
    }
}
