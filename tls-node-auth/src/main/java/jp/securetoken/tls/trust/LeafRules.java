package jp.securetoken.tls.trust;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * What a peer's own certificate must be to authenticate a node in TLS: an end-entity certificate
 * (not a CA), allowed to make signatures, issued for the peer's role, naming one node.
 */
final class LeafRules {
    static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    static final String ANY_EKU = "2.5.29.37.0";
    private static final int DIGITAL_SIGNATURE = 0;
    private static final int KEY_CERT_SIGN = 5;

    private final TrustPolicy policy;
    private final NodeTrustManager.PeerRole role;

    LeafRules(TrustPolicy policy, NodeTrustManager.PeerRole role) {
        this.policy = policy;
        this.role = role;
    }

    void check(X509Certificate leaf) throws PeerRejectedException {
        checkEndEntity(leaf);
        checkKeyUsage(leaf);
        checkExtendedKeyUsage(leaf);
        checkOneCommonName(leaf);
    }

    /** A CA certificate (basicConstraints CA:true) or one asserting keyCertSign is never a node. */
    private static void checkEndEntity(X509Certificate leaf) throws PeerRejectedException {
        boolean[] usage = leaf.getKeyUsage();
        if (leaf.getBasicConstraints() != -1 || (usage != null && usage.length > KEY_CERT_SIGN && usage[KEY_CERT_SIGN])) {
            throw new PeerRejectedException(RejectionReason.WRONG_KEY_USAGE,
                    "a CA certificate cannot authenticate a node; " + NodeTrustManager.describe(leaf));
        }
    }

    /** The TLS handshake signs with the key: a key usage extension, when present, must allow digitalSignature. */
    private static void checkKeyUsage(X509Certificate leaf) throws PeerRejectedException {
        boolean[] usage = leaf.getKeyUsage();
        if (usage != null && !(usage.length > DIGITAL_SIGNATURE && usage[DIGITAL_SIGNATURE])) {
            throw new PeerRejectedException(RejectionReason.WRONG_KEY_USAGE,
                    "key usage lacks digitalSignature; " + NodeTrustManager.describe(leaf));
        }
    }

    /**
     * RFC 5280 4.2.1.12: an absent extension means any use, accepted unless the policy requires the
     * extension; a present one must name the role, anyExtendedKeyUsage counting only where the policy
     * allows it.
     */
    private void checkExtendedKeyUsage(X509Certificate leaf) throws PeerRejectedException {
        String wanted = role == NodeTrustManager.PeerRole.CLIENT ? CLIENT_AUTH : SERVER_AUTH;
        String roleName = role == NodeTrustManager.PeerRole.CLIENT ? "clientAuth" : "serverAuth";
        List<String> ekus;
        try {
            ekus = leaf.getExtendedKeyUsage();
        } catch (CertificateParsingException e) {
            throw new PeerRejectedException(RejectionReason.WRONG_KEY_USAGE, "unreadable extended key usage", e);
        }
        if (ekus == null) {
            if (policy.requireExtendedKeyUsage()) {
                throw new PeerRejectedException(RejectionReason.WRONG_KEY_USAGE, "no extended key usage, "
                        + roleName + " required; " + NodeTrustManager.describe(leaf));
            }
            return;
        }
        if (ekus.contains(wanted) || (policy.acceptAnyExtendedKeyUsage() && ekus.contains(ANY_EKU))) {
            return;
        }
        throw new PeerRejectedException(RejectionReason.WRONG_KEY_USAGE, roleName + " missing"
                + (ekus.contains(ANY_EKU) ? " (anyExtendedKeyUsage is not accepted by this policy)" : "") + "; "
                + NodeTrustManager.describe(leaf));
    }

    /** The node id is the common name: a subject with two could pass an allow-list as one and be reported as the other. */
    private static void checkOneCommonName(X509Certificate leaf) throws PeerRejectedException {
        if (PeerPattern.subjectAttribute(leaf, "CN").size() > 1) {
            throw new PeerRejectedException(RejectionReason.AMBIGUOUS_NAME, NodeTrustManager.describe(leaf));
        }
    }
}
