package jp.securetoken.tls.trust;

import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.GeneralSubtree;
import org.bouncycastle.asn1.x509.NameConstraintValidatorException;
import org.bouncycastle.asn1.x509.NameConstraints;
import org.bouncycastle.asn1.x509.PKIXNameConstraintValidator;

/**
 * Applies a trust anchor's own nameConstraints extension to the certificates below it (RFC 5280
 * 6.1.1 (d) lets the relying party do so; the JDK's PKIX implementation refuses anchors with
 * constraints, so they are checked here after path validation). Constraints of intermediates are
 * checked by PKIX itself.
 */
final class AnchorNameConstraints {
    private AnchorNameConstraints() {
    }

    /** Refuses the path when its anchor has name constraints that a subject or alternative name below it breaks. */
    static void check(ValidatedPath path) throws PeerRejectedException {
        NameConstraints constraints = of(path.anchor());
        if (constraints == null || path.anchor().equals(path.leaf())) {
            return;
        }
        PKIXNameConstraintValidator validator = new PKIXNameConstraintValidator();
        if (constraints.getPermittedSubtrees() != null) {
            validator.intersectPermittedSubtree(constraints.getPermittedSubtrees());
        }
        if (constraints.getExcludedSubtrees() != null) {
            for (GeneralSubtree excluded : constraints.getExcludedSubtrees()) {
                validator.addExcludedSubtree(excluded);
            }
        }
        List<X509Certificate> below = new ArrayList<>(path.intermediates());
        java.util.Collections.reverse(below);
        below.add(path.leaf());
        for (X509Certificate c : below) {
            try {
                X500Name subject = X500Name.getInstance(c.getSubjectX500Principal().getEncoded());
                if (subject.getRDNs().length > 0) {
                    validator.checkPermittedDN(subject);
                    validator.checkExcludedDN(subject);
                }
                for (GeneralName name : altNames(c)) {
                    validator.checkPermitted(name);
                    validator.checkExcluded(name);
                }
            } catch (NameConstraintValidatorException e) {
                throw new PeerRejectedException(RejectionReason.NAME_CONSTRAINED, NodeTrustManager.describe(c)
                        + " under anchor " + path.anchor().getSubjectX500Principal() + " (" + e.getMessage() + ")", e);
            }
        }
    }

    private static List<GeneralName> altNames(X509Certificate c) {
        byte[] ext = c.getExtensionValue(Extension.subjectAlternativeName.getId());
        if (ext == null) {
            return List.of();
        }
        return List.of(GeneralNames.getInstance(ASN1OctetString.getInstance(ext).getOctets()).getNames());
    }

    private static NameConstraints of(X509Certificate anchor) {
        byte[] ext = anchor.getExtensionValue(Extension.nameConstraints.getId());
        return ext == null ? null : NameConstraints.getInstance(ASN1OctetString.getInstance(ext).getOctets());
    }
}
