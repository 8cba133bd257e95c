package jp.securetoken.api;

/** Certificate bytes could not be read: truncated, malformed DER/PEM, or not a certificate. */
public final class InvalidCertificateException extends TokenException {
    private static final long serialVersionUID = 1L;

    public InvalidCertificateException(String detail, Throwable cause) {
        super("The certificate could not be read: " + detail + ". Give a DER or PEM X.509 certificate.", cause);
    }
}
