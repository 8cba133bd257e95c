package jp.securetoken.tls.trust;

import java.io.IOException;
import java.net.URI;
import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.ocsp.OCSPObjectIdentifiers;
import org.bouncycastle.asn1.x509.AccessDescription;
import org.bouncycastle.asn1.x509.AuthorityInformationAccess;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.OCSPException;
import org.bouncycastle.cert.ocsp.OCSPReqBuilder;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.cert.ocsp.RevokedStatus;
import org.bouncycastle.cert.ocsp.SingleResp;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OCSP responses kept until their nextUpdate, for {@link Revocation#withOcspCache(OcspCache)}: a
 * peer that reconnects costs no round trip to the responder, and a responder that goes away does
 * not shut the node until the answers it gave expire.
 *
 * <ul>
 *   <li>The responder is the one given to {@link Revocation#withOcspResponder(URI)}, else the http
 *       OCSP responder of the certificate's authority information access.</li>
 *   <li>A response is taken only when it is successful, answers for exactly the certificate asked
 *       about, is signed by the issuing CA of the validated path or by a responder that CA
 *       delegated (id-kp-OCSPSigning), is current (thisUpdate not in the future beyond 5 minutes,
 *       nextUpdate not passed) and, when {@link Builder#requireNonce(boolean)}, echoes the nonce
 *       sent (a replayed answer is refused).</li>
 *   <li>It is kept until its nextUpdate (one without nextUpdate is not kept), at most
 *       {@link Builder#maxEntries(int)} entries, least recently used first out.</li>
 *   <li>A failed fetch is remembered for {@link Builder#retryEvery(Duration)}, so a dead responder
 *       costs one timeout per certificate per interval, not one per handshake; it is logged and
 *       reported to the {@link RevocationSourceListener}.</li>
 * </ul>
 */
public final class OcspCache {
    private static final Logger LOG = LoggerFactory.getLogger(OcspCache.class);
    private static final Duration CLOCK_SKEW = Duration.ofMinutes(5);
    private static final String OCSP_SIGNING = "1.3.6.1.5.5.7.3.9";

    private final Clock clock;
    private final int maxEntries;
    private final boolean sendNonce;
    private final boolean requireNonce;
    private final Duration retryEvery;
    private final RevocationFetch fetch;
    private final RevocationSourceListener listener;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Entry> entries;

    /** One certificate's cached answer, or a remembered failure. */
    private record Entry(Optional<byte[]> response, boolean revoked, Instant until, String failure) {
    }

    /** What the cache says about one certificate. */
    sealed interface Answer {
        /** The responder says good; the response (DER) for the JDK's checker, which verifies it again. */
        record Good(byte[] response) implements Answer {
        }

        /** The responder says revoked. */
        record Revoked(String detail) implements Answer {
        }

        /** No usable answer: no responder, unreachable, refused response, unknown certificate. */
        record Unavailable(String reason) implements Answer {
        }
    }

    private OcspCache(Builder b) {
        this.clock = b.clock;
        this.maxEntries = b.maxEntries;
        this.sendNonce = b.sendNonce || b.requireNonce;
        this.requireNonce = b.requireNonce;
        this.retryEvery = b.retryEvery;
        this.fetch = new RevocationFetch(b.timeout, b.maxBytes);
        this.listener = b.listener;
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
                return size() > maxEntries;
            }
        };
    }

    public static Builder builder() {
        return new Builder();
    }

    /** How many answers (and remembered failures) are held now. */
    public synchronized int size() {
        return entries.size();
    }

    /** The status of {@code certificate}, issued by {@code issuer}, asking {@code responder} or the certificate's own. */
    Answer status(X509Certificate certificate, X509Certificate issuer, Optional<URI> responder) {
        Instant now = clock.instant();
        String key = TrustPolicy.sha256Fingerprint(issuer) + ":" + certificate.getSerialNumber().toString(16);
        synchronized (this) {
            Entry held = entries.get(key);
            if (held != null && held.until().isAfter(now)) {
                if (held.failure() != null) {
                    return new Answer.Unavailable(held.failure() + " (remembered until " + held.until() + ")");
                }
                return held.revoked() ? new Answer.Revoked("OCSP (cached)") : new Answer.Good(held.response().get());
            }
            entries.remove(key);
        }
        Optional<URI> uri = responder.or(() -> responderOf(certificate));
        if (uri.isEmpty()) {
            return new Answer.Unavailable("no OCSP responder for " + NodeTrustManager.describe(certificate));
        }
        Answer answer;
        Entry entry;
        try {
            Fetched f = ask(uri.get(), certificate, issuer, now);
            answer = f.answer();
            entry = f.entry();
        } catch (IOException | OCSPException | OperatorCreationException | CertificateEncodingException
                | RuntimeException e) {
            String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            LOG.warn("OCSP responder {} for {}: {}", uri.get(), NodeTrustManager.describe(certificate), reason);
            try {
                listener.failed(uri.get(), "OCSP: " + reason);
            } catch (RuntimeException listenerFailure) {
                LOG.error("revocation source listener failed", listenerFailure);
            }
            answer = new Answer.Unavailable("OCSP " + uri.get() + ": " + reason);
            entry = new Entry(Optional.empty(), false, now.plus(retryEvery), "OCSP " + uri.get() + ": " + reason);
        }
        if (entry != null) {
            synchronized (this) {
                entries.put(key, entry);
            }
        }
        return answer;
    }

    private record Fetched(Answer answer, Entry entry) {
    }

    private Fetched ask(URI uri, X509Certificate certificate, X509Certificate issuer, Instant now)
            throws IOException, OCSPException, OperatorCreationException, CertificateEncodingException {
        X509CertificateHolder issuerHolder = new JcaX509CertificateHolder(issuer);
        CertificateID id = new CertificateID(new JcaDigestCalculatorProviderBuilder().build()
                .get(CertificateID.HASH_SHA1), issuerHolder, certificate.getSerialNumber());
        OCSPReqBuilder request = new OCSPReqBuilder().addRequest(id);
        byte[] nonce = null;
        if (sendNonce) {
            nonce = new byte[16];
            random.nextBytes(nonce);
            request.setRequestExtensions(new Extensions(new Extension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce, false,
                    new DEROctetString(nonce))));
        }
        byte[] der = fetch.post(uri, "application/ocsp-request", request.build().getEncoded());
        OCSPResp response = new OCSPResp(der);
        if (response.getStatus() != OCSPResp.SUCCESSFUL) {
            throw new OCSPException("the responder answered status " + response.getStatus());
        }
        if (!(response.getResponseObject() instanceof BasicOCSPResp basic)) {
            throw new OCSPException("not a basic OCSP response");
        }
        if (!signedByIssuerOrDelegate(basic, issuer, now)) {
            throw new OCSPException("refused a response not signed by " + issuer.getSubjectX500Principal().getName()
                    + " or a responder it delegated");
        }
        if (requireNonce && !echoes(basic, nonce)) {
            throw new OCSPException("refused a response without the nonce sent (a replayed answer?)");
        }
        SingleResp single = null;
        for (SingleResp s : basic.getResponses()) {
            if (s.getCertID().equals(id)) {
                single = s;
            }
        }
        if (single == null) {
            throw new OCSPException("the response does not answer for the certificate asked about");
        }
        Instant thisUpdate = single.getThisUpdate().toInstant();
        if (thisUpdate.isAfter(now.plus(CLOCK_SKEW))) {
            throw new OCSPException("refused a response from the future (thisUpdate " + thisUpdate + ")");
        }
        Optional<Instant> nextUpdate = Optional.ofNullable(single.getNextUpdate()).map(d -> d.toInstant());
        if (nextUpdate.isPresent() && !nextUpdate.get().isAfter(now)) {
            throw new OCSPException("refused an expired response (nextUpdate " + nextUpdate.get() + ")");
        }
        Object status = single.getCertStatus();
        if (status instanceof RevokedStatus revoked) {
            String detail = "OCSP " + uri + ": revoked at " + revoked.getRevocationTime().toInstant();
            return new Fetched(new Answer.Revoked(detail),
                    nextUpdate.map(n -> new Entry(Optional.empty(), true, n, null)).orElse(null));
        }
        if (status != null) {
            String reason = "OCSP " + uri + ": the responder does not know " + NodeTrustManager.describe(certificate);
            return new Fetched(new Answer.Unavailable(reason), new Entry(Optional.empty(), false,
                    now.plus(retryEvery), reason));
        }
        return new Fetched(new Answer.Good(der), nextUpdate.map(n -> new Entry(Optional.of(der), false, n, null))
                .orElse(null));
    }

    /** RFC 6960 4.2.2.2: the issuing CA itself, or a certificate it issued for OCSP signing. */
    private static boolean signedByIssuerOrDelegate(BasicOCSPResp basic, X509Certificate issuer, Instant now) {
        try {
            if (basic.isSignatureValid(new JcaContentVerifierProviderBuilder().build(issuer.getPublicKey()))) {
                return true;
            }
        } catch (OCSPException | OperatorCreationException e) {
            // not the issuer's signature: look for a delegated responder
        }
        for (X509CertificateHolder c : basic.getCerts()) {
            try {
                X509Certificate responder = new org.bouncycastle.cert.jcajce.JcaX509CertificateConverter()
                        .getCertificate(c);
                responder.verify(issuer.getPublicKey());
                responder.checkValidity(java.util.Date.from(now));
                if (responder.getExtendedKeyUsage() != null && responder.getExtendedKeyUsage().contains(OCSP_SIGNING)
                        && basic.isSignatureValid(new JcaContentVerifierProviderBuilder().build(responder))) {
                    return true;
                }
            } catch (Exception e) {
                // this certificate does not vouch for the response; try the next
            }
        }
        return false;
    }

    private static boolean echoes(BasicOCSPResp basic, byte[] nonce) throws IOException {
        Extension ext = basic.getExtension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce);
        if (ext == null || nonce == null) {
            return false;
        }
        byte[] value = ext.getExtnValue().getOctets();
        return Arrays.equals(value, new DEROctetString(nonce).getEncoded()) || Arrays.equals(value, nonce);
    }

    /** The http OCSP responder named in a certificate's authority information access, if any. */
    static Optional<URI> responderOf(X509Certificate certificate) {
        byte[] ext = certificate.getExtensionValue(Extension.authorityInfoAccess.getId());
        if (ext == null) {
            return Optional.empty();
        }
        try {
            AuthorityInformationAccess aia = AuthorityInformationAccess.getInstance(
                    ASN1OctetString.getInstance(ext).getOctets());
            for (AccessDescription d : aia.getAccessDescriptions()) {
                if (d.getAccessMethod().equals(AccessDescription.id_ad_ocsp)
                        && d.getAccessLocation().getTagNo() == GeneralName.uniformResourceIdentifier) {
                    URI uri = URI.create(d.getAccessLocation().getName().toString());
                    if (RevocationFetch.isHttp(uri)) {
                        return Optional.of(uri);
                    }
                }
            }
        } catch (IllegalArgumentException e) {
            LOG.warn("unreadable authority information access in {}", NodeTrustManager.describe(certificate));
        }
        return Optional.empty();
    }

    /** Builds an {@link OcspCache}. */
    public static final class Builder {
        private int maxEntries = 10_000;
        private boolean sendNonce;
        private boolean requireNonce;
        private Duration retryEvery = Duration.ofSeconds(30);
        private Duration timeout = Duration.ofSeconds(10);
        private int maxBytes = 1024 * 1024;
        private Clock clock = Clock.systemUTC();
        private RevocationSourceListener listener = RevocationSourceListener.none();

        private Builder() {
        }

        /** How many answers are kept at most (default 10 000); the least recently used go first. */
        public Builder maxEntries(int max) {
            this.maxEntries = RevocationFetch.positive(max, "maxEntries");
            return this;
        }

        /** Send a nonce with each request (default off: many responders answer from a precomputed cache). */
        public Builder sendNonce(boolean send) {
            this.sendNonce = send;
            return this;
        }

        /** Send a nonce and refuse a response that does not echo it (default off). */
        public Builder requireNonce(boolean require) {
            this.requireNonce = require;
            return this;
        }

        /** How long a failed fetch is remembered before the responder is asked again (default 30 s). */
        public Builder retryEvery(Duration retry) {
            this.retryEvery = RevocationFetch.positive(retry, "retryEvery");
            return this;
        }

        /** Time bound of one request (default 10 s). */
        public Builder timeout(Duration timeout) {
            this.timeout = RevocationFetch.positive(timeout, "timeout");
            return this;
        }

        /** Size bound of one response (default 1 MiB). */
        public Builder maxBytes(int max) {
            this.maxBytes = RevocationFetch.positive(max, "maxBytes");
            return this;
        }

        /** The clock nextUpdate is read against (tests move it). */
        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /** Who hears of failed requests and refused responses besides the log. */
        public Builder listener(RevocationSourceListener listener) {
            this.listener = listener;
            return this;
        }

        public OcspCache build() {
            return new OcspCache(this);
        }
    }
}
