package jp.securetoken.tls.trust;

import java.net.InetAddress;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies a {@link TrustPolicy} to the certificate chain a peer presents in a TLS handshake. A
 * standard {@link X509ExtendedTrustManager}, so any TLS stack that takes one (JSSE, BCJSSE, Netty's
 * OpenSSL engine) applies the same rules. A refused chain fails the handshake with a
 * {@link PeerRejectedException} that names the {@link RejectionReason}; the reason is logged too.
 *
 * <p>The checks, in order (docs/TRUST.md): a certificate was sent; a PKIX path is built from the
 * leaf over the sent certificates to an anchor (extras and order ignored) and validated; pins are
 * matched against that path's CA certificates; the leaf must be an end-entity certificate allowed
 * to sign, with the extended key usage of its role, and one common name; the allow-list; the host
 * name (clients, when asked; an unknown host refuses); last, revocation.
 */
public final class NodeTrustManager extends X509ExtendedTrustManager {
    private static final Logger LOG = LoggerFactory.getLogger(NodeTrustManager.class);

    /** The role of the peer whose certificate is checked. */
    public enum PeerRole {
        CLIENT, SERVER
    }

    private final TrustPolicy policy;
    private final PeerRole peerRole;
    private final PathValidation paths;
    private final LeafRules leafRules;
    private final RevocationCheck revocation;

    public NodeTrustManager(TrustPolicy policy, PeerRole peerRole) {
        this.policy = policy;
        this.peerRole = peerRole;
        this.paths = new PathValidation(policy);
        this.leafRules = new LeafRules(policy, peerRole);
        this.revocation = new RevocationCheck(policy);
    }

    /** The policy this trust manager applies. */
    public TrustPolicy policy() {
        return policy;
    }

    /**
     * Checks a peer chain (entity certificate first, then any certificates in any order) against
     * the policy and returns the path it was validated on.
     *
     * @param peerHost the host connected to, for the host name check; null when unknown, which
     *                 refuses a server when the policy checks host names
     */
    public ValidatedPath validate(X509Certificate[] chain, String peerHost) throws PeerRejectedException {
        try {
            return check(chain, peerHost);
        } catch (PeerRejectedException e) {
            LOG.warn("Refused {} peer: {}", peerRole.name().toLowerCase(Locale.ROOT), e.getMessage());
            throw e;
        }
    }

    /**
     * The validated path of a chain that passed {@link #validate} (path building only: no
     * revocation, no host name), to report the peer as it was validated rather than as it was sent.
     */
    public ValidatedPath validatedPath(X509Certificate[] chain) throws PeerRejectedException {
        if (chain == null || chain.length == 0) {
            throw new PeerRejectedException(RejectionReason.NO_CERTIFICATE, null);
        }
        return paths.validate(chain);
    }

    private ValidatedPath check(X509Certificate[] chain, String peerHost) throws PeerRejectedException {
        ValidatedPath path = validatedPath(chain);
        checkPins(path);
        leafRules.check(path.leaf());
        checkAllowList(path.leaf());
        if (policy.checkHostname() && peerRole == PeerRole.SERVER) {
            checkHostname(path.leaf(), peerHost);
        }
        revocation.check(path, paths.anchors());
        return path;
    }

    private void checkPins(ValidatedPath path) throws PeerRejectedException {
        if (policy.pinnedCaSha256().isEmpty()) {
            return;
        }
        for (X509Certificate ca : path.caCertificates()) {
            if (policy.pinnedCaSha256().contains(TrustPolicy.sha256Fingerprint(ca))) {
                return;
            }
        }
        throw new PeerRejectedException(RejectionReason.CA_NOT_PINNED, "issuer "
                + path.leaf().getIssuerX500Principal() + " under anchor " + path.anchor().getSubjectX500Principal());
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

    private static void checkHostname(X509Certificate leaf, String host) throws PeerRejectedException {
        if (host == null || host.isEmpty()) {
            throw new PeerRejectedException(RejectionReason.HOSTNAME_MISMATCH,
                    "host name checking is on but the host connected to is unknown");
        }
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

    /** Without an engine or socket the host is unknown: refused when the policy checks host names. */
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
