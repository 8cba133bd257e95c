package jp.securetoken.tls.trust;

import java.security.cert.X509Certificate;
import java.util.List;

/**
 * How a node is named in events and logs: its certificate's common name, else its first DNS name,
 * else its serial. The trust manager refuses subjects with more than one common name, so the name
 * reported is the one an allow-list matched.
 */
public final class NodeNames {
    private NodeNames() {
    }

    /** The node id of a certificate. */
    public static String nodeId(X509Certificate certificate) {
        List<String> cn = PeerPattern.subjectAttribute(certificate, "CN");
        if (!cn.isEmpty()) {
            return cn.get(0);
        }
        List<String> dns = PeerPattern.altNames(certificate, 2);
        return dns.isEmpty() ? "serial:" + certificate.getSerialNumber().toString(16) : dns.get(0);
    }
}
