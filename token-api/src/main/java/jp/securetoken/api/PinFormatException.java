package jp.securetoken.api;

/** The PIN entered does not have the form the token accepts. It was rejected before the token saw it: no try was spent. */
public final class PinFormatException extends TokenException {
    private static final long serialVersionUID = 1L;

    public PinFormatException(PinRole role, String rule) {
        super("The " + role.displayName() + " has the wrong form (" + rule + "); no try was spent. Enter it again.");
    }
}
