package jp.securetoken.lifecycle.node;

import java.time.Duration;
import java.util.Optional;

/**
 * Enrollment or renewal failed before a credential was written; {@link #kind()} says where. The
 * old credential, if any, is untouched.
 */
public final class EnrollmentException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Where the enrollment stopped. */
    public enum Kind {
        /** The issuing server could not be reached (down, wrong address, timeout). */
        SERVER_UNREACHABLE,
        /** The server's TLS certificate does not lead to the issuer anchor, or it refused our certificate. */
        SERVER_NOT_AUTHENTICATED,
        /** The token's issuer anchor is not the one given: refused before any key was generated. */
        ANCHOR_MISMATCH,
        /** The server refused the request (code, subject, key, current certificate); see the message. */
        REFUSED,
        /** The server is busy or its CA token is away; try again after {@link #retryAfter()}. */
        RETRY_LATER,
        /** The server's answer is not what EST specifies, or the certificate does not fit the request. */
        BAD_RESPONSE
    }

    private final Kind kind;
    private final int httpStatus;
    private final transient Duration retryAfter;

    public EnrollmentException(Kind kind, String message, Throwable cause) {
        this(kind, message, -1, null, cause);
    }

    EnrollmentException(Kind kind, String message, int httpStatus, Duration retryAfter, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.httpStatus = httpStatus;
        this.retryAfter = retryAfter;
    }

    public Kind kind() {
        return kind;
    }

    /** The HTTP status the server answered, or -1. */
    public int httpStatus() {
        return httpStatus;
    }

    /** The server's Retry-After, when it gave one. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
