package jp.securetoken.tls.trust;

import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * The certification path a peer's certificate was validated on: the leaf, the intermediates that
 * link it to a trust anchor, and the anchor. Certificates the peer sent but the path does not use
 * are not here: pins, allow-lists and the reported chain look only at this.
 *
 * @param leaf          the peer's own certificate
 * @param intermediates the CA certificates between leaf and anchor, leaf's issuer first
 * @param anchor        the configured trust anchor the path ends at (the leaf itself when it is an anchor)
 */
public record ValidatedPath(X509Certificate leaf, List<X509Certificate> intermediates, X509Certificate anchor) {

    public ValidatedPath {
        intermediates = List.copyOf(intermediates);
    }

    /** Leaf, intermediates, then the anchor (the anchor only once when the leaf is the anchor). */
    public List<X509Certificate> certificates() {
        List<X509Certificate> all = new ArrayList<>();
        all.add(leaf);
        all.addAll(intermediates);
        if (!anchor.equals(leaf)) {
            all.add(anchor);
        }
        return List.copyOf(all);
    }

    /** The CA certificates of the path: intermediates and anchor. */
    public List<X509Certificate> caCertificates() {
        List<X509Certificate> cas = new ArrayList<>(intermediates);
        if (!anchor.equals(leaf)) {
            cas.add(anchor);
        }
        return cas;
    }
}
