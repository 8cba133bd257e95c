package jp.securetoken.tls.trust;

import java.net.InetAddress;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXCertPathValidatorResult;
import java.security.cert.PKIXParameters;
import java.security.cert.PKIXReason;
import java.security.cert.PKIXRevocationChecker;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Date;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies a {@link TrustPolicy} to the certificate chain a peer presents in a TLS handshake. A
 * refused chain fails the handshake with a {@link PeerRejectedException} that names the
 * {@link RejectionReason}; the reason is logged too.
 */
public final class NodeTrustManager extends X509ExtendedTrustManager {
    private static final Logger LOG = LoggerFactory.getLogger(NodeTrustManager.class);
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final String ANY_EKU = "2.5.29.37.0";

    /** The role of the peer whose certificate is checked. */
    public enum PeerRole {
        CLIENT, SERVER
    }

    private final TrustPolicy policy;
    private final PeerRole peerRole;
    private final Set<TrustAnchor> anchors;

    public NodeTrustManager(TrustPolicy policy, PeerRole peerRole) {
        this.policy = policy;
        this.peerRole = peerRole;
        this.anchors = policy.anchors().stream().map(c -> new TrustAnchor(c, null)).collect(Collectors.toSet());
    }

    /**
     * Checks a peer chain (entity certificate first) against the policy.
     *
     * @param peerHost the host connected to, for the optional host name check; may be null
     */
    public void validate(X509Certificate[] chain, String peerHost) throws PeerRejectedException {
        try {
            check(chain, peerHost);
        } catch (PeerRejectedException e) {
            LOG.warn("Refused {} peer: {}", peerRole.name().toLowerCase(Locale.ROOT), e.getMessage());
            throw e;
        }
    }

    private void check(X509Certificate[] chain, String peerHost) throws PeerRejectedException {
        if (chain == null || chain.length == 0) {
            throw new PeerRejectedException(RejectionReason.NO_CERTIFICATE, null);
        }
        X509Certificate leaf = chain[0];
        X509Certificate anchorUsed = validatePath(chain);
        checkPins(chain, anchorUsed);
        checkExtendedKeyUsage(leaf);
        checkAllowList(leaf);
        if (policy.checkHostname() && peerRole == PeerRole.SERVER && peerHost != null) {
            checkHostname(leaf, peerHost);
        }
    }

    private X509Certificate validatePath(X509Certificate[] chain) throws PeerRejectedException {
        List<X509Certificate> path = new ArrayList<>();
        for (X509Certificate c : chain) {
            if (policy.anchors().contains(c)) {
                if (path.isEmpty()) {
                    checkValidity(c);
                    return c;
                }
                break;
            }
            path.add(c);
        }
        try {
            CertPath certPath = CertificateFactory.getInstance("X.509").generateCertPath(path);
            CertPathValidator validator = CertPathValidator.getInstance("PKIX");
            PKIXParameters params = new PKIXParameters(anchors);
            params.setDate(Date.from(policy.clock().instant()));
            PKIXRevocationChecker revocationChecker = configureRevocation(validator, params);
            PKIXCertPathValidatorResult result = (PKIXCertPathValidatorResult) validator.validate(certPath, params);
            if (revocationChecker != null && !revocationChecker.getSoftFailExceptions().isEmpty()) {
                LOG.warn("Revocation status of {} unknown, accepted (soft-fail): {}", describe(chain[0]),
                        revocationChecker.getSoftFailExceptions().get(0).getMessage());
            }
            return result.getTrustAnchor().getTrustedCert();
        } catch (CertPathValidatorException e) {
            throw mapFailure(e, chain[0]);
        } catch (InvalidAlgorithmParameterException e) {
            throw new IllegalStateException("trust anchors are unusable", e);
        } catch (GeneralSecurityException e) {
            throw new PeerRejectedException(RejectionReason.INVALID_CHAIN, describe(chain[0]), e);
        } catch (RuntimeException e) {
            // The JDK's validator lets some parse errors of what it fetched escape unchecked (an OCSP
            // response with a malformed responder name: IllegalArgumentException; found by fuzzing)
            throw new PeerRejectedException(RejectionReason.INVALID_CHAIN, describe(chain[0]), e);
        }
    }

    private PKIXRevocationChecker configureRevocation(CertPathValidator validator, PKIXParameters params)
            throws GeneralSecurityException {
        Revocation revocation = policy.revocation();
        if (revocation.mode() == Revocation.Mode.OFF) {
            params.setRevocationEnabled(false);
            return null;
        }
        PKIXRevocationChecker checker = (PKIXRevocationChecker) validator.getRevocationChecker();
        EnumSet<PKIXRevocationChecker.Option> options = EnumSet.noneOf(PKIXRevocationChecker.Option.class);
        if (revocation.mode() == Revocation.Mode.SOFT_FAIL) {
            options.add(PKIXRevocationChecker.Option.SOFT_FAIL);
        }
        if (revocation.preferCrls()) {
            options.add(PKIXRevocationChecker.Option.PREFER_CRLS);
        }
        checker.setOptions(options);
        revocation.ocspResponder().ifPresent(checker::setOcspResponder);
        if (!revocation.crls().isEmpty()) {
            params.addCertStore(CertStore.getInstance("Collection",
                    new CollectionCertStoreParameters(revocation.crls())));
        }
        params.addCertPathChecker(checker);
        return checker;
    }

    private PeerRejectedException mapFailure(CertPathValidatorException e, X509Certificate leaf) {
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
        } else {
            r = RejectionReason.INVALID_CHAIN;
        }
        return new PeerRejectedException(r, describe(leaf), e);
    }

    private void checkValidity(X509Certificate c) throws PeerRejectedException {
        Date now = Date.from(policy.clock().instant());
        if (now.after(c.getNotAfter())) {
            throw new PeerRejectedException(RejectionReason.EXPIRED, describe(c));
        }
        if (now.before(c.getNotBefore())) {
            throw new PeerRejectedException(RejectionReason.NOT_YET_VALID, describe(c));
        }
    }

    private void checkPins(X509Certificate[] chain, X509Certificate anchorUsed) throws PeerRejectedException {
        if (policy.pinnedCaSha256().isEmpty()) {
            return;
        }
        if (policy.pinnedCaSha256().contains(TrustPolicy.sha256Fingerprint(anchorUsed))) {
            return;
        }
        for (int i = 1; i < chain.length; i++) {
            if (policy.pinnedCaSha256().contains(TrustPolicy.sha256Fingerprint(chain[i]))) {
                return;
            }
        }
        throw new PeerRejectedException(RejectionReason.CA_NOT_PINNED, "issuer " + anchorUsed.getSubjectX500Principal());
    }

    private void checkExtendedKeyUsage(X509Certificate leaf) throws PeerRejectedException {
        String wanted = peerRole == PeerRole.CLIENT ? CLIENT_AUTH : SERVER_AUTH;
        List<String> ekus;
        try {
            ekus = leaf.getExtendedKeyUsage();
        } catch (CertificateParsingException e) {
            throw new PeerRejectedException(RejectionReason.WRONG_KEY_USAGE, "unreadable extension", e);
        }
        if (ekus == null) {
            if (policy.requireExtendedKeyUsage()) {
                throw new PeerRejectedException(RejectionReason.WRONG_KEY_USAGE, "no extended key usage, "
                        + (peerRole == PeerRole.CLIENT ? "clientAuth" : "serverAuth") + " required; " + describe(leaf));
            }
            return;
        }
        if (!ekus.contains(wanted) && !ekus.contains(ANY_EKU)) {
            throw new PeerRejectedException(RejectionReason.WRONG_KEY_USAGE,
                    (peerRole == PeerRole.CLIENT ? "clientAuth" : "serverAuth") + " missing; " + describe(leaf));
        }
    }

    private void checkAllowList(X509Certificate leaf) throws PeerRejectedException {
        if (policy.allowedPeers().isEmpty()) {
            return;
        }
        for (PeerPattern p : policy.allowedPeers()) {
            if (p.matches(leaf)) {
                return;
            }
        }
        throw new PeerRejectedException(RejectionReason.NOT_ALLOWED, "peer " + NodeNames.nodeId(leaf));
    }

    private void checkHostname(X509Certificate leaf, String host) throws PeerRejectedException {
        String h = host.toLowerCase(Locale.ROOT);
        boolean ip = isIpLiteral(h);
        List<String> names = PeerPattern.altNames(leaf, ip ? 7 : 2);
        for (String n : names) {
            if (ip ? normalizeIp(n).equals(normalizeIp(h)) : dnsMatches(n.toLowerCase(Locale.ROOT), h)) {
                return;
            }
        }
        throw new PeerRejectedException(RejectionReason.HOSTNAME_MISMATCH, "host " + host + ", names " + names);
    }

    private static boolean dnsMatches(String pattern, String host) {
        if (pattern.startsWith("*.")) {
            int dot = host.indexOf('.');
            return dot > 0 && host.substring(dot + 1).equals(pattern.substring(2));
        }
        return pattern.equals(host);
    }

    private static boolean isIpLiteral(String host) {
        return host.contains(":") || host.matches("[0-9.]+");
    }

    private static String normalizeIp(String literal) {
        try {
            return InetAddress.getByName(literal).getHostAddress();
        } catch (java.net.UnknownHostException e) {
            return literal;
        }
    }

    /** Names a certificate by serial and issuer: enough to find it, no personal data. */
    static String describe(X509Certificate c) {
        return "certificate serial " + c.getSerialNumber().toString(16) + " issued by " + c.getIssuerX500Principal();
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        validate(chain, null);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        validate(chain, socket instanceof SSLSocket s && s.getHandshakeSession() != null
                ? s.getHandshakeSession().getPeerHost() : null);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        validate(chain, null);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        validate(chain, engine == null ? null : engine.getPeerHost());
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        validate(chain, null);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        validate(chain, null);
    }

    /** The CAs this side accepts, sent to the peer so that it picks a fitting credential. */
    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return policy.anchors().toArray(new X509Certificate[0]);
    }
}
