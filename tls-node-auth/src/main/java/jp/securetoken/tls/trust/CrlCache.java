package jp.securetoken.tls.trust;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.security.cert.CRLException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.CRLDistPoint;
import org.bouncycastle.asn1.x509.DistributionPoint;
import org.bouncycastle.asn1.x509.DistributionPointName;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CRLs kept current from HTTP distribution points, for a long-running node: a {@link CrlSource}
 * for {@link Revocation#withCrlSource(CrlSource)}.
 *
 * <ul>
 *   <li>Sources: the URLs given, and (with {@link Builder#fromCertificates(boolean)}) the http
 *       distribution points named by the certificates of validated paths, at most
 *       {@link Builder#maxDistributionPoints(int)} of them.</li>
 *   <li>Each point is fetched with bounded size and time, http only (redirects only to http).</li>
 *   <li>A fetched CRL is taken only when it is signed by the CA that issued the certificates it is
 *       for (the issuer in the validated path, or a CA given with {@link Builder#issuers}), has not
 *       passed its nextUpdate, and is not older (thisUpdate) than the CRL held; anything else is
 *       refused, logged and reported to the {@link RevocationSourceListener}.</li>
 *   <li>It is refreshed ahead of its nextUpdate, at {@link Builder#refreshAt(double)} of its
 *       interval, by a background schedule; a failed refresh is retried every
 *       {@link Builder#retryEvery(Duration)} and never drops the CRL held, which stays in force until
 *       its own nextUpdate. After that it is no longer handed out: hard-fail then refuses peers as
 *       REVOCATION_UNKNOWN, soft-fail admits them with a warning.</li>
 *   <li>A point with nothing held yet is fetched during the handshake that first needs it (at most
 *       once per retry interval), so a stranger cannot make the node fetch at will: revocation is
 *       only asked about paths that passed every local check.</li>
 * </ul>
 * Close it to stop the schedule.
 */
public final class CrlCache implements CrlSource, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CrlCache.class);

    private final Clock clock;
    private final boolean fromCertificates;
    private final double refreshAt;
    private final Duration retryEvery;
    private final Optional<Duration> maxAge;
    private final int maxPoints;
    private final int maxIssuers;
    private final RevocationFetch fetch;
    private final RevocationSourceListener listener;
    private final Map<URI, DistributionPointState> points = new ConcurrentHashMap<>();
    private final Set<X509Certificate> issuers = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService schedule;

    private CrlCache(Builder b) {
        this.clock = b.clock;
        this.fromCertificates = b.fromCertificates;
        this.refreshAt = b.refreshAt;
        this.retryEvery = b.retryEvery;
        this.maxAge = b.maxAge;
        this.maxPoints = b.maxPoints;
        this.maxIssuers = b.maxIssuers;
        this.fetch = new RevocationFetch(b.timeout, b.maxBytes);
        this.listener = b.listener;
        this.issuers.addAll(b.issuers);
        for (URI uri : b.uris) {
            points.put(uri, new DistributionPointState(uri, Optional.empty()));
        }
        this.schedule = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "crl-refresh");
            t.setDaemon(true);
            return t;
        });
        long every = b.checkEvery.toMillis();
        schedule.scheduleWithFixedDelay(this::refreshDue, 0, every, TimeUnit.MILLISECONDS);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** What is held for one distribution point, for monitoring and tests. */
    public record Status(URI source, Optional<Instant> thisUpdate, Optional<Instant> nextUpdate,
            Instant nextFetch, Optional<String> lastFailure) {
    }

    /** The state of every distribution point known. */
    public List<Status> status() {
        List<Status> out = new ArrayList<>();
        points.values().forEach(p -> out.add(p.status()));
        return out;
    }

    /** The state of one distribution point, if known. */
    public Optional<Status> status(URI source) {
        return Optional.ofNullable(points.get(source)).map(DistributionPointState::status);
    }

    @Override
    public List<X509CRL> crlsFor(ValidatedPath path) {
        Instant now = clock.instant();
        List<X509Certificate> certificates = new ArrayList<>();
        certificates.add(path.leaf());
        certificates.addAll(path.intermediates());
        List<X509Certificate> cas = path.caCertificates();
        List<X509CRL> out = new ArrayList<>();
        for (int i = 0; i < certificates.size() && i < cas.size(); i++) {
            X509Certificate issuer = cas.get(i);
            learn(issuer);
            if (fromCertificates) {
                for (URI uri : distributionPoints(certificates.get(i))) {
                    register(uri, issuer);
                }
            }
            for (DistributionPointState point : points.values()) {
                if (point.mayCover(issuer)) {
                    point.current(issuer, now).ifPresent(out::add);
                }
            }
        }
        return out;
    }

    /** Fetches every point whose refresh is due now (the schedule calls this; so can an operator). */
    public void refreshDue() {
        Instant now = clock.instant();
        for (DistributionPointState point : points.values()) {
            try {
                if (point.due(now)) {
                    point.refresh();
                }
            } catch (RuntimeException e) {
                LOG.error("CRL refresh of {} failed unexpectedly", point.uri, e);
            }
        }
    }

    @Override
    public void close() {
        schedule.shutdownNow();
    }

    private void learn(X509Certificate issuer) {
        if (issuers.size() < maxIssuers) {
            issuers.add(issuer);
        }
    }

    private void register(URI uri, X509Certificate issuer) {
        DistributionPointState point = points.get(uri);
        if (point == null) {
            if (points.size() >= maxPoints) {
                LOG.warn("CRL distribution point {} ignored: already {} points cached (maxDistributionPoints)", uri,
                        maxPoints);
                return;
            }
            point = points.computeIfAbsent(uri, u -> new DistributionPointState(u, Optional.of(issuer)));
        }
        point.assign(issuer);
    }

    /** The http distribution points (full names) a certificate names; others are ignored. */
    static List<URI> distributionPoints(X509Certificate certificate) {
        byte[] ext = certificate.getExtensionValue(Extension.cRLDistributionPoints.getId());
        if (ext == null) {
            return List.of();
        }
        Set<URI> uris = new LinkedHashSet<>();
        try {
            CRLDistPoint dps = CRLDistPoint.getInstance(ASN1OctetString.getInstance(ext).getOctets());
            for (DistributionPoint dp : dps.getDistributionPoints()) {
                DistributionPointName name = dp.getDistributionPoint();
                if (name == null || name.getType() != DistributionPointName.FULL_NAME) {
                    continue;
                }
                for (GeneralName g : GeneralNames.getInstance(name.getName()).getNames()) {
                    if (g.getTagNo() == GeneralName.uniformResourceIdentifier) {
                        URI uri = URI.create(g.getName().toString());
                        if (RevocationFetch.isHttp(uri)) {
                            uris.add(uri);
                        }
                    }
                }
            }
        } catch (IllegalArgumentException e) {
            LOG.warn("unreadable CRL distribution points in {}: {}", NodeTrustManager.describe(certificate),
                    e.getMessage());
        }
        return List.copyOf(uris);
    }

    /** One distribution point: the CRL held, the one waiting for its issuer to be known, when to fetch. */
    private final class DistributionPointState {
        private final URI uri;
        private X509Certificate issuer;
        private X509CRL held;
        private X509CRL unverified;
        private Instant nextFetch = Instant.MIN;
        private String lastFailure;

        DistributionPointState(URI uri, Optional<X509Certificate> issuer) {
            this.uri = uri;
            this.issuer = issuer.orElse(null);
        }

        synchronized Status status() {
            return new Status(uri, Optional.ofNullable(held).map(c -> c.getThisUpdate().toInstant()),
                    Optional.ofNullable(held).map(c -> c.getNextUpdate()).map(d -> d.toInstant()), nextFetch,
                    Optional.ofNullable(lastFailure));
        }

        synchronized boolean due(Instant now) {
            return !nextFetch.isAfter(now);
        }

        synchronized void assign(X509Certificate ca) {
            if (issuer == null) {
                issuer = ca;
            }
        }

        synchronized boolean mayCover(X509Certificate ca) {
            if (issuer != null) {
                return issuer.equals(ca);
            }
            X509CRL any = held != null ? held : unverified;
            return any == null || any.getIssuerX500Principal().equals(ca.getSubjectX500Principal());
        }

        /** The CRL in force for certificates of {@code ca}, fetching first when nothing is held and a fetch is due. */
        synchronized Optional<X509CRL> current(X509Certificate ca, Instant now) {
            if (issuer == null && unverified != null) {
                issuer = ca;
                X509CRL waiting = unverified;
                unverified = null;
                accept(waiting, now);
            }
            if (held == null && due(now)) {
                refresh();
            }
            if (held == null || !held.getIssuerX500Principal().equals(ca.getSubjectX500Principal())) {
                return Optional.empty();
            }
            if (held.getNextUpdate() != null && !held.getNextUpdate().toInstant().isAfter(now)) {
                return Optional.empty();
            }
            return Optional.of(held);
        }

        synchronized void refresh() {
            Instant now = clock.instant();
            X509CRL crl;
            try {
                byte[] bytes = fetch.get(uri);
                crl = (X509CRL) CertificateFactory.getInstance("X.509").generateCRL(new ByteArrayInputStream(bytes));
                if (crl == null) {
                    throw new CRLException("no CRL in the answer");
                }
            } catch (IOException e) {
                fail(now, "fetch failed: " + e.getMessage());
                return;
            } catch (CRLException | CertificateException | RuntimeException e) {
                fail(now, "not a CRL (" + e.getMessage() + ")");
                return;
            }
            X509Certificate ca = issuer != null ? issuer : knownIssuerOf(crl);
            if (ca == null) {
                // a configured URL whose CA no validated path has shown yet: held back until one does
                unverified = crl;
                nextFetch = now.plus(retryEvery);
                return;
            }
            issuer = ca;
            accept(crl, now);
        }

        private X509Certificate knownIssuerOf(X509CRL crl) {
            for (X509Certificate ca : issuers) {
                if (ca.getSubjectX500Principal().equals(crl.getIssuerX500Principal())) {
                    return ca;
                }
            }
            return null;
        }

        private void accept(X509CRL crl, Instant now) {
            X500Principal expected = issuer.getSubjectX500Principal();
            if (!crl.getIssuerX500Principal().equals(expected)) {
                fail(now, "refused a CRL issued by " + crl.getIssuerX500Principal().getName()
                        + ", not by the issuing CA " + expected.getName());
                return;
            }
            try {
                crl.verify(issuer.getPublicKey());
            } catch (GeneralSecurityException | RuntimeException e) {
                fail(now, "refused a CRL whose signature does not verify with the key of " + expected.getName());
                return;
            }
            if (crl.getNextUpdate() != null && !crl.getNextUpdate().toInstant().isAfter(now)) {
                fail(now, "refused an expired CRL (nextUpdate " + crl.getNextUpdate().toInstant() + ")");
                return;
            }
            if (held != null && crl.getThisUpdate().before(held.getThisUpdate())) {
                fail(now, "refused a CRL older than the one held (thisUpdate " + crl.getThisUpdate().toInstant()
                        + " before " + held.getThisUpdate().toInstant() + ")");
                return;
            }
            boolean fresh = held == null || crl.getThisUpdate().after(held.getThisUpdate());
            held = crl;
            lastFailure = null;
            nextFetch = refreshTime(crl, now);
            if (fresh) {
                Instant thisUpdate = crl.getThisUpdate().toInstant();
                Instant nextUpdate = crl.getNextUpdate() == null ? nextFetch : crl.getNextUpdate().toInstant();
                LOG.info("CRL from {} in force: thisUpdate {}, nextUpdate {}, {} entries; next fetch {}", uri,
                        thisUpdate, nextUpdate, crl.getRevokedCertificates() == null ? 0
                                : crl.getRevokedCertificates().size(), nextFetch);
                listener.updated(uri, thisUpdate, nextUpdate);
            }
        }

        /**
         * At {@code refreshAt} of the CRL's interval (when that has passed, after the retry interval),
         * and never later than the maximum age after this fetch.
         */
        private Instant refreshTime(X509CRL crl, Instant now) {
            Instant planned;
            if (crl.getNextUpdate() == null) {
                planned = now.plus(retryEvery);
            } else {
                Instant thisUpdate = crl.getThisUpdate().toInstant();
                Duration interval = Duration.between(thisUpdate, crl.getNextUpdate().toInstant());
                planned = thisUpdate.plusMillis((long) (interval.toMillis() * refreshAt));
                if (!planned.isAfter(now)) {
                    planned = now.plus(retryEvery);
                }
            }
            Instant latest = maxAge.map(now::plus).orElse(planned);
            return latest.isBefore(planned) ? latest : planned;
        }

        private void fail(Instant now, String reason) {
            lastFailure = reason;
            nextFetch = now.plus(retryEvery);
            LOG.warn("CRL distribution point {}: {}; {}", uri, reason, held == null ? "no CRL held"
                    : "the CRL held (nextUpdate " + Optional.ofNullable(held.getNextUpdate()).map(d -> d.toInstant()
                            .toString()).orElse("none") + ") stays in force");
            try {
                listener.failed(uri, reason);
            } catch (RuntimeException e) {
                LOG.error("revocation source listener failed", e);
            }
        }
    }

    /** Builds a {@link CrlCache}; {@link #build()} starts its refresh schedule. */
    public static final class Builder {
        private final List<URI> uris = new ArrayList<>();
        private final List<X509Certificate> issuers = new ArrayList<>();
        private boolean fromCertificates;
        private double refreshAt = 0.5;
        private Duration retryEvery = Duration.ofMinutes(5);
        private Optional<Duration> maxAge = Optional.empty();
        private Duration checkEvery = Duration.ofMinutes(1);
        private Duration timeout = Duration.ofSeconds(15);
        private int maxBytes = 16 * 1024 * 1024;
        private int maxPoints = 64;
        private int maxIssuers = 256;
        private Clock clock = Clock.systemUTC();
        private RevocationSourceListener listener = RevocationSourceListener.none();

        private Builder() {
        }

        /** Keeps the CRL at this http URL current. */
        public Builder distributionPoint(URI uri) {
            if (!RevocationFetch.isHttp(uri)) {
                throw new IllegalArgumentException("a CRL distribution point must be an http URL: " + uri);
            }
            uris.add(uri);
            return this;
        }

        /** Also keeps current the http CRL distribution points named by the certificates of validated paths. Default off. */
        public Builder fromCertificates(boolean fetch) {
            this.fromCertificates = fetch;
            return this;
        }

        /**
         * CAs whose CRLs may be taken from a configured URL before any validated path has shown the
         * issuer (the issuer of a path always counts). Give the issuing CAs, not only the roots.
         */
        public Builder issuers(X509Certificate... cas) {
            issuers.addAll(List.of(cas));
            return this;
        }

        /** When to refresh, as a fraction of thisUpdate..nextUpdate (default 0.5; 0 &lt; f &lt; 1). */
        public Builder refreshAt(double fraction) {
            if (!(fraction > 0 && fraction < 1)) {
                throw new IllegalArgumentException("refreshAt must be between 0 and 1 (exclusive)");
            }
            this.refreshAt = fraction;
            return this;
        }

        /** How long after a failed fetch (or an unchanged CRL past its refresh time) to try again (default 5 min). */
        public Builder retryEvery(Duration retry) {
            this.retryEvery = RevocationFetch.positive(retry, "retryEvery");
            return this;
        }

        /**
         * Fetch again at least this long after each successful fetch, even before the
         * {@link #refreshAt} point (a CA that publishes a list early, after an urgent revocation, is
         * then heard sooner). Default: only at the refreshAt point.
         */
        public Builder refreshAtLeastEvery(Duration maxAge) {
            this.maxAge = Optional.of(RevocationFetch.positive(maxAge, "refreshAtLeastEvery"));
            return this;
        }

        /** How often the schedule looks for due refreshes (default 1 min). */
        public Builder checkEvery(Duration every) {
            this.checkEvery = RevocationFetch.positive(every, "checkEvery");
            return this;
        }

        /** Time bound of one fetch, connection and body included (default 15 s). */
        public Builder timeout(Duration timeout) {
            this.timeout = RevocationFetch.positive(timeout, "timeout");
            return this;
        }

        /** Size bound of one CRL (default 16 MiB). */
        public Builder maxBytes(int max) {
            this.maxBytes = RevocationFetch.positive(max, "maxBytes");
            return this;
        }

        /** How many distribution points are cached at most (default 64); more are ignored with a warning. */
        public Builder maxDistributionPoints(int max) {
            this.maxPoints = RevocationFetch.positive(max, "maxDistributionPoints");
            return this;
        }

        /** The clock nextUpdate and the refresh schedule are read against (tests move it). */
        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /** Who hears of fetch failures and refused CRLs besides the log (e.g. the audit trail). */
        public Builder listener(RevocationSourceListener listener) {
            this.listener = listener;
            return this;
        }

        public CrlCache build() {
            return new CrlCache(this);
        }

    }
}
