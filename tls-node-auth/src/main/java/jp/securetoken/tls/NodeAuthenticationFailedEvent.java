package jp.securetoken.tls;

import java.util.Optional;
import jp.securetoken.api.TokenException;
import jp.securetoken.tls.trust.RejectionReason;

/**
 * Fired down the pipeline (as a user event) when the handshake fails; the channel closes after it.
 *
 * @param kind      what went wrong, in broad terms
 * @param rejection why our trust policy refused the peer, for {@link Kind#PEER_REJECTED}
 * @param message   the detail, free of PINs and personal data
 * @param tokenError for {@link Kind#TOKEN_ERROR}, the token's typed error (e.g. a
 *                   {@code TokenRemovedException} for a card pulled mid-handshake)
 */
public record NodeAuthenticationFailedEvent(Kind kind, Optional<RejectionReason> rejection, String message,
        Optional<TokenException> tokenError) {

    /** A failure that is not a token error. */
    public NodeAuthenticationFailedEvent(Kind kind, Optional<RejectionReason> rejection, String message) {
        this(kind, rejection, message, Optional.empty());
    }

    /** The broad class of a handshake failure. */
    public enum Kind {
        /** Our trust policy refused the peer's certificate (see {@code rejection}). */
        PEER_REJECTED,
        /** The peer refused us: it sent a fatal alert (our certificate, version or suite). */
        PEER_REFUSED_US,
        /** No protocol version or cipher suite in common (e.g. a TLS 1.1 peer). */
        PROTOCOL_MISMATCH,
        /** Our token could not sign (removed, not logged in, locked). */
        TOKEN_ERROR,
        /** Anything else (connection closed, timeout). */
        OTHER
    }
}
