package jp.securetoken.lifecycle.issuer;

/**
 * Why the issuing server refused an enrollment, with the HTTP status it answers: each bad request
 * has its own reason, so a node (and the audit trail) can tell a reused code from a weak key.
 */
public enum EnrollmentRefusal {
    NO_AUTHORIZATION(401, "the request carries neither an enrollment code nor a client certificate"),
    UNKNOWN_OR_USED_CODE(401, "the enrollment code is unknown or was used already"),
    CODE_EXPIRED(401, "the enrollment code has expired"),
    SUBJECT_MISMATCH(403, "the request's subject is not the one the enrollment code or current certificate names"),
    CERTIFICATE_NOT_OURS(403, "the client certificate was not issued by this server"),
    CERTIFICATE_EXPIRED(403, "the client certificate has expired or is not yet valid"),
    CERTIFICATE_REVOKED(403, "the client certificate is revoked"),
    MALFORMED_REQUEST(400, "the body is not a base64 PKCS#10 certification request"),
    BAD_SIGNATURE(400, "the certification request is not signed by the key it carries"),
    WEAK_KEY(400, "the key is too weak or of an unsupported type"),
    CHANNEL_BINDING_MISSING(400, "the request does not prove possession over this TLS connection (no challengePassword"
            + " with the channel binding)"),
    CHANNEL_BINDING_MISMATCH(400, "the request's channel binding is not this TLS connection's (a replayed request?)");

    private final int httpStatus;
    private final String description;

    EnrollmentRefusal(int httpStatus, String description) {
        this.httpStatus = httpStatus;
        this.description = description;
    }

    public int httpStatus() {
        return httpStatus;
    }

    public String description() {
        return description;
    }
}
