package jp.securetoken.tls.trust;

import java.security.cert.X509CRL;
import java.util.List;

/**
 * Supplies current CRLs for the certificates of a validated path, e.g. fetched from their CRL
 * distribution points and cached ({@link CrlCache}). Asked during a handshake, after every local
 * check has passed: it should answer from what it holds.
 */
public interface CrlSource {
    /**
     * The CRLs it holds that may cover the leaf and intermediates of this path (possibly none). The
     * path has been validated, so its CA certificates are the ones whose CRLs count.
     */
    List<X509CRL> crlsFor(ValidatedPath path);
}
