package jp.securetoken.remote;

import java.time.Duration;

import jp.securetoken.api.TokenException;

/** The signing service refused the request because too many were sent (HTTP 429). Retry after {@link #retryAfter()}. */
public final class RateLimitedException extends TokenException {
    private static final long serialVersionUID = 1L;
    private final Duration retryAfter;

    public RateLimitedException(String service, Duration retryAfter) {
        super("The signing service " + service + " is limiting requests; retry in " + retryAfter.toSeconds()
                + " s. Nothing was signed.");
        this.retryAfter = retryAfter;
    }

    /** How long the service asked to wait (zero when it did not say). */
    public Duration retryAfter() {
        return retryAfter;
    }
}
