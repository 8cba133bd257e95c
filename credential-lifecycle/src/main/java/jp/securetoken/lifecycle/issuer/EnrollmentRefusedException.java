package jp.securetoken.lifecycle.issuer;

/** The issuing server refused an enrollment; {@link #refusal()} says why. */
public final class EnrollmentRefusedException extends Exception {
    private static final long serialVersionUID = 1L;
    private final EnrollmentRefusal refusal;

    public EnrollmentRefusedException(EnrollmentRefusal refusal) {
        this(refusal, null);
    }

    /** With a detail that adds to the refusal's description (never a code or a PIN). */
    public EnrollmentRefusedException(EnrollmentRefusal refusal, String detail) {
        super(refusal.description() + (detail == null ? "" : ": " + detail));
        this.refusal = refusal;
    }

    public EnrollmentRefusal refusal() {
        return refusal;
    }
}
