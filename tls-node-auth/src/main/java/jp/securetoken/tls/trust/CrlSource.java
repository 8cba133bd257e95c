package jp.securetoken.tls.trust;

import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * Supplies current CRLs for the certificates of a path, e.g. fetched from their CRL distribution
 * points and cached. Must answer quickly from what it holds: it is
 * asked during a handshake.
 */
public interface CrlSource {
    /** The CRLs it holds that may cover these certificates (possibly none). */
    List<X509CRL> crlsFor(List<X509Certificate> certificates);
}
