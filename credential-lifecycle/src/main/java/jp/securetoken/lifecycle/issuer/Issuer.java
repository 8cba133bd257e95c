package jp.securetoken.lifecycle.issuer;

import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.security.PublicKey;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jp.securetoken.api.TokenException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The issuing server's decisions, apart from HTTP: who may enroll (a one-time code bound to a
 * subject, or for re-enrollment the node's current certificate from this CA, valid and not
 * revoked, for the same subject), what the request must prove (signature, key strength, channel
 * binding), what gets issued and recorded, and the CRL. Every issuance and refusal is audited.
 */
final class Issuer {
    private static final Logger LOG = LoggerFactory.getLogger(Issuer.class);
    static final Duration CRL_VALIDITY = Duration.ofDays(7);

    private final CertificateAuthority ca;
    private final IssuerState state;
    private final CertificateProfile profile;
    private final boolean requireChannelBinding;
    private final Clock clock;
    private volatile URI ownCrlAddress;
    private volatile byte[] crl;
    private volatile Map<BigInteger, Instant> crlRevocations;

    Issuer(CertificateAuthority ca, IssuerState state, CertificateProfile profile, boolean requireChannelBinding,
            Clock clock) {
        this.ca = ca;
        this.state = state;
        this.profile = profile;
        this.requireChannelBinding = requireChannelBinding;
        this.clock = clock;
    }

    /**
     * Where the server serves its CRL: written as the CRL distribution point of the certificates
     * issued from now on, unless the profile names another one. Set before the first request.
     */
    void servesCrlAt(URI address) {
        this.ownCrlAddress = address;
    }

    /** The profile certificates are issued under, its CRL distribution point filled in. */
    CertificateProfile profile() {
        URI own = ownCrlAddress;
        return profile.crlDistributionPoint().isPresent() || own == null ? profile
                : profile.withCrlDistributionPoint(own);
    }

    List<X509Certificate> caCertificates() throws TokenException {
        return ca.chain();
    }

    /** First enrollment, authorised by a one-time code. */
    X509Certificate enroll(byte[] body, String code, EnrollmentRequests.ChannelBinding channelBinding, String peer)
            throws EnrollmentRefusedException, TokenException, IOException {
        try {
            if (code == null || code.isBlank()) {
                throw new EnrollmentRefusedException(EnrollmentRefusal.NO_AUTHORIZATION);
            }
            Optional<IssuerState.Invitation> invitation = state.invitation(code);
            if (invitation.isEmpty()) {
                throw new EnrollmentRefusedException(EnrollmentRefusal.UNKNOWN_OR_USED_CODE);
            }
            if (state.expired(invitation.get())) {
                throw new EnrollmentRefusedException(EnrollmentRefusal.CODE_EXPIRED);
            }
            JcaPKCS10CertificationRequest csr = EnrollmentRequests.parse(body);
            PublicKey key = EnrollmentRequests.verifiedKey(csr, profile);
            EnrollmentRequests.checkChannelBinding(csr, channelBinding, requireChannelBinding);
            javax.security.auth.x500.X500Principal subject = subjectOf(csr);
            if (subject.getEncoded().length > 2 && !subject.equals(invitation.get().subject())) {
                // an empty subject asks for the invited one
                throw new EnrollmentRefusedException(EnrollmentRefusal.SUBJECT_MISMATCH, "asked for \""
                        + subject.getName() + "\"");
            }
            if (!state.consume(code)) {
                throw new EnrollmentRefusedException(EnrollmentRefusal.UNKNOWN_OR_USED_CODE);
            }
            X509Certificate issued = ca.issue(key, invitation.get().subject(), invitation.get().dnsNames(), profile());
            state.recordIssued(issued, "enrollment-code", peer);
            LOG.info("Issued certificate {} to {} (enrollment code) for {}", issued.getSerialNumber().toString(16),
                    issued.getSubjectX500Principal().getName(), peer);
            return issued;
        } catch (EnrollmentRefusedException e) {
            refused("simpleenroll", e, peer);
            throw e;
        }
    }

    /** Re-enrollment, authorised by the node's current certificate presented in the TLS handshake. */
    X509Certificate reenroll(byte[] body, List<X509Certificate> clientChain, EnrollmentRequests.ChannelBinding channelBinding, String peer)
            throws EnrollmentRefusedException, TokenException, IOException {
        try {
            if (clientChain.isEmpty()) {
                throw new EnrollmentRefusedException(EnrollmentRefusal.NO_AUTHORIZATION);
            }
            X509Certificate current = clientChain.get(0);
            if (!issuedHere(current)) {
                throw new EnrollmentRefusedException(EnrollmentRefusal.CERTIFICATE_NOT_OURS);
            }
            Instant now = clock.instant();
            if (now.isAfter(current.getNotAfter().toInstant()) || now.isBefore(current.getNotBefore().toInstant())) {
                throw new EnrollmentRefusedException(EnrollmentRefusal.CERTIFICATE_EXPIRED);
            }
            if (state.revocations().containsKey(current.getSerialNumber())) {
                throw new EnrollmentRefusedException(EnrollmentRefusal.CERTIFICATE_REVOKED);
            }
            JcaPKCS10CertificationRequest csr = EnrollmentRequests.parse(body);
            PublicKey key = EnrollmentRequests.verifiedKey(csr, profile);
            EnrollmentRequests.checkChannelBinding(csr, channelBinding, requireChannelBinding);
            if (!subjectOf(csr).equals(current.getSubjectX500Principal())) {
                throw new EnrollmentRefusedException(EnrollmentRefusal.SUBJECT_MISMATCH, "asked for \""
                        + subjectOf(csr).getName() + "\"");
            }
            X509Certificate issued = ca.issue(key, current.getSubjectX500Principal(), dnsNames(current), profile());
            state.recordIssued(issued, "re-enrollment-of-" + current.getSerialNumber().toString(16), peer);
            LOG.info("Re-issued certificate {} to {} (was {}) for {}", issued.getSerialNumber().toString(16),
                    issued.getSubjectX500Principal().getName(), current.getSerialNumber().toString(16), peer);
            return issued;
        } catch (EnrollmentRefusedException e) {
            refused("simplereenroll", e, peer);
            throw e;
        }
    }

    private void refused(String operation, EnrollmentRefusedException e, String peer) throws IOException {
        LOG.warn("Refused {} from {}: {}", operation, peer, e.getMessage());
        state.audit("refused", operation + " reason=" + e.refusal() + " peer=" + peer);
    }

    private boolean issuedHere(X509Certificate certificate) throws TokenException {
        X509Certificate caCert = ca.chain().get(0);
        if (!certificate.getIssuerX500Principal().equals(caCert.getSubjectX500Principal())
                || !state.wasIssued(certificate.getSerialNumber())) {
            return false;
        }
        try {
            certificate.verify(caCert.getPublicKey());
            return true;
        } catch (java.security.GeneralSecurityException e) {
            return false;
        }
    }

    private static javax.security.auth.x500.X500Principal subjectOf(JcaPKCS10CertificationRequest csr)
            throws EnrollmentRefusedException {
        try {
            return new javax.security.auth.x500.X500Principal(csr.getSubject().getEncoded());
        } catch (IOException | IllegalArgumentException e) {
            throw new EnrollmentRefusedException(EnrollmentRefusal.MALFORMED_REQUEST);
        }
    }

    private static List<String> dnsNames(X509Certificate certificate) {
        List<String> out = new ArrayList<>();
        try {
            Collection<List<?>> names = certificate.getSubjectAlternativeNames();
            if (names != null) {
                for (List<?> n : names) {
                    if (Integer.valueOf(2).equals(n.get(0))) {
                        out.add((String) n.get(1));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            LOG.warn("The current certificate's alternative names cannot be read; the new one carries none");
        }
        return out;
    }

    /** The current CRL (DER), signed anew when the revocations changed since the last one. */
    byte[] crl() throws TokenException, IOException {
        Map<BigInteger, Instant> now = state.revocations();
        byte[] current = crl;
        if (current == null || !now.equals(crlRevocations)) {
            synchronized (this) {
                if (crl == null || !now.equals(crlRevocations)) {
                    crl = ca.crl(now, CRL_VALIDITY);
                    crlRevocations = now;
                    state.writeCrl(crl);
                    LOG.info("Published a CRL with {} revoked certificate(s)", now.size());
                }
                current = crl;
            }
        }
        return current;
    }
}
