package jp.securetoken.tls.trust;

import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import java.security.cert.CertPath;
import java.security.cert.CertPathBuilder;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertStore;
import java.security.cert.CertificateFactory;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.PKIXCertPathBuilderResult;
import java.security.cert.PKIXParameters;
import java.security.cert.PKIXReason;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Finds and validates the certification path of a peer's certificate: PKIX path building from the
 * leaf over the certificates the peer sent (their order and any extras do not matter) to one of the
 * policy's anchors. When no path can be built, the most likely path is validated instead so that
 * the refusal names its real reason (expired, bad signature, unknown CA ...).
 */
final class PathValidation {
    private static final int MAX_DIAGNOSTIC_LENGTH = 10;

    private final TrustPolicy policy;
    private final Set<TrustAnchor> anchors;

    PathValidation(TrustPolicy policy) {
        this.policy = policy;
        Set<TrustAnchor> set = new LinkedHashSet<>();
        for (X509Certificate c : policy.anchors()) {
            set.add(new TrustAnchor(c, null));
        }
        this.anchors = Set.copyOf(set);
    }

    /** The anchors as the PKIX algorithms see them (their own name constraints are checked by {@link AnchorNameConstraints}). */
    Set<TrustAnchor> anchors() {
        return anchors;
    }

    /** The validated path of {@code sent[0]}, revocation not yet checked. */
    ValidatedPath validate(X509Certificate[] sent) throws PeerRejectedException {
        X509Certificate leaf = sent[0];
        if (policy.anchors().contains(leaf)) {
            checkValidity(leaf);
            return new ValidatedPath(leaf, List.of(), leaf);
        }
        List<X509Certificate> others = new ArrayList<>(Arrays.asList(sent).subList(1, sent.length));
        ValidatedPath validated;
        try {
            X509CertSelector target = new X509CertSelector();
            target.setCertificate(leaf);
            PKIXBuilderParameters params = new PKIXBuilderParameters(anchors, target);
            params.setRevocationEnabled(false);
            params.setDate(now());
            List<X509Certificate> store = new ArrayList<>(others);
            store.add(leaf);
            params.addCertStore(CertStore.getInstance("Collection", new CollectionCertStoreParameters(store)));
            PKIXCertPathBuilderResult result = (PKIXCertPathBuilderResult) CertPathBuilder.getInstance("PKIX")
                    .build(params);
            List<X509Certificate> path = new ArrayList<>();
            result.getCertPath().getCertificates().forEach(c -> path.add((X509Certificate) c));
            validated = new ValidatedPath(leaf, path.subList(1, path.size()), result.getTrustAnchor().getTrustedCert());
        } catch (CertPathBuilderException e) {
            throw diagnose(leaf, others);
        } catch (InvalidAlgorithmParameterException e) {
            throw new IllegalStateException("trust anchors are unusable", e);
        } catch (GeneralSecurityException e) {
            throw new PeerRejectedException(RejectionReason.INVALID_CHAIN, NodeTrustManager.describe(leaf), e);
        }
        if (policy.applyAnchorNameConstraints()) {
            AnchorNameConstraints.check(validated);
        }
        return validated;
    }

    /**
     * No path could be built: follows issuer names (preferring issuers whose key verifies the
     * signature) from the leaf over the sent certificates and validates that path to learn why.
     */
    private PeerRejectedException diagnose(X509Certificate leaf, List<X509Certificate> others) {
        List<X509Certificate> path = new ArrayList<>();
        path.add(leaf);
        X509Certificate current = leaf;
        while (path.size() < MAX_DIAGNOSTIC_LENGTH && !issuedByAnchor(current)) {
            X509Certificate issuer = likelyIssuer(current, others, path);
            if (issuer == null) {
                break;
            }
            path.add(issuer);
            current = issuer;
        }
        try {
            CertPath certPath = CertificateFactory.getInstance("X.509").generateCertPath(path);
            PKIXParameters params = new PKIXParameters(anchors);
            params.setRevocationEnabled(false);
            params.setDate(now());
            CertPathValidator.getInstance("PKIX").validate(certPath, params);
            return new PeerRejectedException(RejectionReason.INVALID_CHAIN, NodeTrustManager.describe(leaf));
        } catch (CertPathValidatorException e) {
            return map(e, leaf);
        } catch (GeneralSecurityException e) {
            return new PeerRejectedException(RejectionReason.INVALID_CHAIN, NodeTrustManager.describe(leaf), e);
        }
    }

    private boolean issuedByAnchor(X509Certificate c) {
        return policy.anchors().stream().anyMatch(a -> a.getSubjectX500Principal().equals(c.getIssuerX500Principal()));
    }

    private static X509Certificate likelyIssuer(X509Certificate c, List<X509Certificate> candidates,
            List<X509Certificate> taken) {
        X509Certificate byName = null;
        for (X509Certificate candidate : candidates) {
            if (taken.contains(candidate) || !candidate.getSubjectX500Principal().equals(c.getIssuerX500Principal())) {
                continue;
            }
            try {
                c.verify(candidate.getPublicKey());
                return candidate;
            } catch (GeneralSecurityException e) {
                if (byName == null) {
                    byName = candidate;
                }
            }
        }
        return byName;
    }

    /** Maps a PKIX failure to the reason a peer is told. */
    static PeerRejectedException map(CertPathValidatorException e, X509Certificate leaf) {
        CertPathValidatorException.Reason reason = e.getReason();
        RejectionReason r;
        if (reason == CertPathValidatorException.BasicReason.EXPIRED) {
            r = RejectionReason.EXPIRED;
        } else if (reason == CertPathValidatorException.BasicReason.NOT_YET_VALID) {
            r = RejectionReason.NOT_YET_VALID;
        } else if (reason == CertPathValidatorException.BasicReason.REVOKED) {
            r = RejectionReason.REVOKED;
        } else if (reason == CertPathValidatorException.BasicReason.UNDETERMINED_REVOCATION_STATUS) {
            r = RejectionReason.REVOCATION_UNKNOWN;
        } else if (reason == CertPathValidatorException.BasicReason.INVALID_SIGNATURE) {
            r = RejectionReason.BAD_SIGNATURE;
        } else if (reason == CertPathValidatorException.BasicReason.ALGORITHM_CONSTRAINED) {
            r = RejectionReason.WEAK_ALGORITHM;
        } else if (reason == PKIXReason.NO_TRUST_ANCHOR) {
            r = RejectionReason.UNKNOWN_CA;
        } else if (reason == PKIXReason.INVALID_NAME) {
            r = RejectionReason.NAME_CONSTRAINED;
        } else {
            r = RejectionReason.INVALID_CHAIN;
        }
        return new PeerRejectedException(r, NodeTrustManager.describe(leaf), e);
    }

    private void checkValidity(X509Certificate c) throws PeerRejectedException {
        Date now = now();
        if (now.after(c.getNotAfter())) {
            throw new PeerRejectedException(RejectionReason.EXPIRED, NodeTrustManager.describe(c));
        }
        if (now.before(c.getNotBefore())) {
            throw new PeerRejectedException(RejectionReason.NOT_YET_VALID, NodeTrustManager.describe(c));
        }
    }

    private Date now() {
        return Date.from(policy.clock().instant());
    }
}
