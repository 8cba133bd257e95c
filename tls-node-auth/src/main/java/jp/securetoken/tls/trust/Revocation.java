package jp.securetoken.tls.trust;

import java.net.URI;
import java.security.cert.X509CRL;
import java.util.List;
import java.util.Optional;

/**
 * How a peer's certificates are checked for revocation.
 *
 * @param mode          off, soft-fail (an unreachable responder or missing CRL lets the peer in,
 *                      with a warning) or hard-fail (it keeps the peer out)
 * @param ocspResponder a responder to ask instead of the one named in the certificates
 * @param crls          CRLs the application loaded; checked before OCSP is asked when {@code preferCrls}
 * @param preferCrls    ask CRLs first and OCSP second (default: OCSP first)
 */
public record Revocation(Mode mode, Optional<URI> ocspResponder, List<X509CRL> crls, boolean preferCrls) {

    /** Whether a failed status check rejects the peer. */
    public enum Mode {
        OFF, SOFT_FAIL, HARD_FAIL
    }

    public Revocation {
        crls = List.copyOf(crls);
    }

    /** No revocation checking. */
    public static Revocation off() {
        return new Revocation(Mode.OFF, Optional.empty(), List.of(), false);
    }

    /** OCSP (responders from the certificates' AIA), falling back to the given CRLs; a failed check rejects. */
    public static Revocation hardFail() {
        return new Revocation(Mode.HARD_FAIL, Optional.empty(), List.of(), false);
    }

    /** OCSP, falling back to the given CRLs; a failed check is logged and the peer accepted. */
    public static Revocation softFail() {
        return new Revocation(Mode.SOFT_FAIL, Optional.empty(), List.of(), false);
    }

    public Revocation withOcspResponder(URI responder) {
        return new Revocation(mode, Optional.of(responder), crls, preferCrls);
    }

    public Revocation withCrls(List<X509CRL> crls) {
        return new Revocation(mode, ocspResponder, crls, preferCrls);
    }

    /** Check the given CRLs first and ask OCSP only when they do not answer. */
    public Revocation preferringCrls() {
        return new Revocation(mode, ocspResponder, crls, true);
    }
}
