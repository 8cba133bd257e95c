package jp.securetoken.tls.trust;

import java.net.URI;
import java.security.cert.X509CRL;
import java.util.List;
import java.util.Optional;

/**
 * How a peer's certificates are checked for revocation.
 *
 * @param mode          off, soft-fail (a status that cannot be established, for want of a reachable
 *                      responder, a current CRL or any source at all, lets the peer in with a logged
 *                      warning) or hard-fail (it keeps the peer out as REVOCATION_UNKNOWN); a certificate
 *                      found revoked is refused in both
 * @param ocspResponder a responder to ask instead of the one named in the certificates
 * @param crls          CRLs the application loaded; checked before OCSP is asked when {@code preferCrls}
 * @param preferCrls    ask CRLs first and OCSP second (default: OCSP first)
 * @param crlSource     CRLs kept current from the certificates' distribution points, if any
 * @param ocspCache     OCSP responses kept until their nextUpdate, if any (without it, every check asks
 *                      the responder)
 */
public record Revocation(Mode mode, Optional<URI> ocspResponder, List<X509CRL> crls, boolean preferCrls,
        Optional<CrlSource> crlSource, Optional<OcspCache> ocspCache) {

    /** Whether a failed status check rejects the peer. */
    public enum Mode {
        OFF, SOFT_FAIL, HARD_FAIL
    }

    public Revocation {
        crls = List.copyOf(crls);
    }

    /** No revocation checking. */
    public static Revocation off() {
        return new Revocation(Mode.OFF, Optional.empty(), List.of(), false, Optional.empty(), Optional.empty());
    }

    /** OCSP (responders from the certificates' AIA), falling back to the given CRLs; a failed check rejects. */
    public static Revocation hardFail() {
        return new Revocation(Mode.HARD_FAIL, Optional.empty(), List.of(), false, Optional.empty(), Optional.empty());
    }

    /** OCSP, falling back to the given CRLs; a failed check is logged and the peer accepted. */
    public static Revocation softFail() {
        return new Revocation(Mode.SOFT_FAIL, Optional.empty(), List.of(), false, Optional.empty(), Optional.empty());
    }

    /** The same sources with another mode. */
    public Revocation withMode(Mode newMode) {
        return new Revocation(newMode, ocspResponder, crls, preferCrls, crlSource, ocspCache);
    }

    public Revocation withOcspResponder(URI responder) {
        return new Revocation(mode, Optional.of(responder), crls, preferCrls, crlSource, ocspCache);
    }

    public Revocation withCrls(List<X509CRL> crls) {
        return new Revocation(mode, ocspResponder, crls, preferCrls, crlSource, ocspCache);
    }

    /** Also uses the CRLs this source keeps current (e.g. fetched from distribution points). */
    public Revocation withCrlSource(CrlSource source) {
        return new Revocation(mode, ocspResponder, crls, preferCrls, Optional.of(source), ocspCache);
    }

    /** Keeps OCSP responses in this cache until their nextUpdate (and asks through it, with its nonce setting). */
    public Revocation withOcspCache(OcspCache cache) {
        return new Revocation(mode, ocspResponder, crls, preferCrls, crlSource, Optional.of(cache));
    }

    /** Check the given CRLs first and ask OCSP only when they do not answer. */
    public Revocation preferringCrls() {
        return new Revocation(mode, ocspResponder, crls, true, crlSource, ocspCache);
    }
}
