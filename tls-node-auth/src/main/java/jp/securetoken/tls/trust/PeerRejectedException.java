package jp.securetoken.tls.trust;

import java.security.cert.CertificateException;

/**
 * The trust policy refused the peer's certificate. The handshake fails with it as the cause, so
 * the application sees {@link #reason()}; the message names the certificate by issuer and serial
 * number, never by a card holder's personal data.
 */
public final class PeerRejectedException extends CertificateException {
    private static final long serialVersionUID = 1L;
    private final RejectionReason reason;

    public PeerRejectedException(RejectionReason reason, String detail) {
        super(reason.description() + (detail == null || detail.isEmpty() ? "" : ": " + detail));
        this.reason = reason;
    }

    public PeerRejectedException(RejectionReason reason, String detail, Throwable cause) {
        this(reason, detail);
        initCause(cause);
    }

    public RejectionReason reason() {
        return reason;
    }
}
