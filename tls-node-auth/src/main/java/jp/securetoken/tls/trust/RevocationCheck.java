package jp.securetoken.tls.trust;

import java.security.GeneralSecurityException;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertStore;
import java.security.cert.CertificateFactory;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXParameters;
import java.security.cert.PKIXRevocationChecker;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Date;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks the revocation status of a validated path (leaf and intermediates) with the PKIX
 * revocation checker: CRLs (given ones and, when a {@link CrlSource} such as {@link CrlCache} is
 * configured, those it holds current for the path) and OCSP (through the {@link OcspCache} when
 * there is one: its good answers go to the checker, a revoked one refuses at once, and when it has
 * no answer CRLs are asked). Runs after every local check, since it may go to the network. REVOKED
 * always refuses; a status that cannot be established refuses under hard-fail
 * ({@link RejectionReason#REVOCATION_UNKNOWN}) and is logged and accepted under soft-fail,
 * including when no source exists at all.
 */
final class RevocationCheck {
    /** Logs under the trust manager's name, with the refusals: one logger says what the trust decisions were. */
    private static final Logger LOG = LoggerFactory.getLogger(NodeTrustManager.class);

    private final TrustPolicy policy;

    RevocationCheck(TrustPolicy policy) {
        this.policy = policy;
    }

    void check(ValidatedPath path, Set<TrustAnchor> anchors) throws PeerRejectedException {
        Revocation revocation = policy.revocation();
        if (revocation.mode() == Revocation.Mode.OFF || path.leaf().equals(path.anchor())) {
            return;
        }
        String note = "";
        List<X509Certificate> certificates = new ArrayList<>();
        certificates.add(path.leaf());
        certificates.addAll(path.intermediates());
        List<X509CRL> crls = new ArrayList<>(revocation.crls());
        if (revocation.crlSource().isPresent()) {
            List<X509CRL> current = revocation.crlSource().get().crlsFor(path);
            if (current.isEmpty()) {
                note = "no current CRL from the distribution points; ";
            }
            crls.addAll(current);
        }
        Map<X509Certificate, byte[]> ocspResponses = new HashMap<>();
        List<String> ocspUnavailable = new ArrayList<>();
        // the cache is asked where OCSP would be: first, or when CRLs were preferred but none is at hand
        if (revocation.ocspCache().isPresent() && !(revocation.preferCrls() && !crls.isEmpty())) {
            askOcspCache(revocation, path, certificates, ocspResponses, ocspUnavailable);
            if (!ocspUnavailable.isEmpty() && crls.isEmpty()) {
                unknown(path, note, new CertPathValidatorException(String.join("; ", ocspUnavailable)));
                return;
            }
        }
        try {
            CertPath certPath = CertificateFactory.getInstance("X.509").generateCertPath(certificates);
            CertPathValidator validator = CertPathValidator.getInstance("PKIX");
            PKIXParameters params = new PKIXParameters(anchorOf(path, anchors));
            params.setDate(Date.from(policy.clock().instant()));
            PKIXRevocationChecker checker = (PKIXRevocationChecker) validator.getRevocationChecker();
            EnumSet<PKIXRevocationChecker.Option> options = EnumSet.noneOf(PKIXRevocationChecker.Option.class);
            if (revocation.preferCrls() || !ocspUnavailable.isEmpty()) {
                options.add(PKIXRevocationChecker.Option.PREFER_CRLS);
            }
            checker.setOptions(options);
            revocation.ocspResponder().ifPresent(checker::setOcspResponder);
            checker.setOcspResponses(ocspResponses);
            if (!crls.isEmpty()) {
                params.addCertStore(CertStore.getInstance("Collection", new CollectionCertStoreParameters(crls)));
            }
            params.addCertPathChecker(checker);
            validator.validate(certPath, params);
        } catch (CertPathValidatorException e) {
            if (e.getReason() == CertPathValidatorException.BasicReason.REVOKED) {
                throw new PeerRejectedException(RejectionReason.REVOKED, NodeTrustManager.describe(path.leaf()), e);
            }
            unknown(path, note, e);
        } catch (GeneralSecurityException e) {
            unknown(path, note, e);
        } catch (RuntimeException e) {
            // The JDK's checker lets some parse errors of a fetched answer escape unchecked (an OCSP
            // response with a malformed responder name: IllegalArgumentException; found by fuzzing)
            unknown(path, note, e);
        }
    }

    /**
     * Asks the OCSP cache about each certificate of the path: good answers go to the JDK's checker
     * (which verifies them again), a revoked one refuses at once, the rest are listed as unavailable.
     */
    private static void askOcspCache(Revocation revocation, ValidatedPath path, List<X509Certificate> certificates,
            Map<X509Certificate, byte[]> responses, List<String> unavailable) throws PeerRejectedException {
        OcspCache cache = revocation.ocspCache().orElseThrow();
        List<X509Certificate> cas = path.caCertificates();
        for (int i = 0; i < certificates.size() && i < cas.size(); i++) {
            X509Certificate certificate = certificates.get(i);
            OcspCache.Answer answer = cache.status(certificate, cas.get(i), revocation.ocspResponder());
            if (answer instanceof OcspCache.Answer.Good good) {
                responses.put(certificate, good.response());
            } else if (answer instanceof OcspCache.Answer.Revoked revoked) {
                throw new PeerRejectedException(RejectionReason.REVOKED, NodeTrustManager.describe(certificate)
                        + " (" + revoked.detail() + ")");
            } else if (answer instanceof OcspCache.Answer.Unavailable none) {
                unavailable.add(none.reason());
            }
        }
    }

    private void unknown(ValidatedPath path, String note, Exception cause) throws PeerRejectedException {
        if (policy.revocation().mode() == Revocation.Mode.HARD_FAIL) {
            throw new PeerRejectedException(RejectionReason.REVOCATION_UNKNOWN, NodeTrustManager.describe(path.leaf())
                    + " (" + note + cause.getMessage() + ")", cause);
        }
        LOG.warn("Revocation status of {} unknown, accepted (soft-fail): {}{}", NodeTrustManager.describe(path.leaf()),
                note, cause.getMessage());
    }

    private static Set<TrustAnchor> anchorOf(ValidatedPath path, Set<TrustAnchor> anchors) {
        for (TrustAnchor a : anchors) {
            if (a.getTrustedCert().equals(path.anchor())) {
                return Set.of(a);
            }
        }
        return anchors;
    }
}
