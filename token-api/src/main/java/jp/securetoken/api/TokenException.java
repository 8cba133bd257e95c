package jp.securetoken.api;

/**
 * Root of every error a secure token reports. Each subclass names one situation precisely so that
 * callers can react to it (ask for the PIN again, tell the user to insert the card, ...).
 *
 * <p>Messages say what happened and what to do next. They never contain a PIN, key material or
 * personal data from a certificate.
 */
public abstract class TokenException extends Exception {
    private static final long serialVersionUID = 1L;

    protected TokenException(String message) {
        super(message);
    }

    protected TokenException(String message, Throwable cause) {
        super(message, cause);
    }
}
