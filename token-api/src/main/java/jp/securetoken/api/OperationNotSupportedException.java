package jp.securetoken.api;

/** The token cannot do this operation by its nature, e.g. unlocking a My Number Card PIN (only a municipal office can). */
public final class OperationNotSupportedException extends TokenException {
    private static final long serialVersionUID = 1L;

    public OperationNotSupportedException(String operation, String reason) {
        super(operation + " is not supported: " + reason);
    }
}
