package jp.securetoken.tls.trust;

/** Why a peer was not accepted. Each is visible to the application and in the log. */
public enum RejectionReason {
    NO_CERTIFICATE("the peer sent no certificate"),
    UNKNOWN_CA("the peer's chain does not lead to a trusted CA"),
    CA_NOT_PINNED("the peer's CA is not one of the pinned CA certificates"),
    EXPIRED("a certificate in the peer's chain has expired"),
    NOT_YET_VALID("a certificate in the peer's chain is not valid yet"),
    REVOKED("a certificate in the peer's chain is revoked"),
    REVOCATION_UNKNOWN("the revocation status could not be established (hard-fail)"),
    BAD_SIGNATURE("a signature in the peer's chain does not verify"),
    WEAK_ALGORITHM("the peer's chain uses an algorithm or key size the policy refuses"),
    WRONG_KEY_USAGE("the peer's certificate is not issued for this use (CA certificate, key usage or extended key usage)"),
    NAME_CONSTRAINED("the peer's certificate names something its trust anchor's name constraints exclude"),
    AMBIGUOUS_NAME("the peer's certificate names more than one common name"),
    NOT_ALLOWED("the peer's identity is not on the allow-list"),
    HOSTNAME_MISMATCH("the peer's certificate does not name the host connected to"),
    INVALID_CHAIN("the peer's chain is not a valid certification path");

    private final String description;

    RejectionReason(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }
}
