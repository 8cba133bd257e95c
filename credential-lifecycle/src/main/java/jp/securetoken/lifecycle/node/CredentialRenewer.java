package jp.securetoken.lifecycle.node;

import java.net.URI;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Enumeration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicReference;
import java.util.random.RandomGenerator;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSessionContext;

import jp.securetoken.api.Credential;
import jp.securetoken.api.CredentialSource;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.TokenException;
import jp.securetoken.tls.NodeTlsContext;
import jp.securetoken.tls.audit.AuditEvent;
import jp.securetoken.tls.audit.AuditSink;
import jp.securetoken.tls.audit.AuditedToken;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one credential of a logged-in token renewed over EST while a {@code NodeTls} server or
 * client uses it. Attach it by building the context from {@link #source()}:
 *
 * <pre>{@code
 * try (CredentialRenewer renewer = CredentialRenewer.builder(token, "node").audit(sink).start()) {
 *     NodeTlsContext gateway = NodeTls.server(renewer.source()).trustPolicy(policy).build();
 *     ...
 * }
 * }</pre>
 *
 * For a client, also {@linkplain #attach(NodeTlsContext) attach} the context, so that it does not
 * resume sessions made with the old certificate:
 *
 * <pre>{@code
 * NodeTlsContext clinic = renewer.attach(NodeTls.client(renewer.source()).trustPolicy(policy).build());
 * }</pre>
 *
 * The renewer re-enrolls at a point of the current certificate's lifetime (default two thirds,
 * spread by a jitter so a fleet does not renew at once), writes the new credential in one atomic
 * step, and the context, which reads the credential at each full handshake, presents it from the
 * next handshake on; connections already open carry on. A failed attempt is retried with exponential
 * backoff, or after the server's Retry-After when it gave one. Every renewal and failure is audited
 * (Security Configuration); once less than {@link Builder#warnWhenRemaining(double) a part} of the
 * lifetime remains, each failure is also logged as a warning naming the expiry.
 */
public final class CredentialRenewer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CredentialRenewer.class);

    private final SecureToken token;
    private final String alias;
    private final Builder config;
    private final RenewalScheduler scheduler;
    private final ScheduledExecutorService ownExecutor;
    private final String tokenAddress;
    private final AtomicReference<Instant> nextAttempt = new AtomicReference<>();
    private final List<NodeTlsContext> attached = new CopyOnWriteArrayList<>();
    private volatile boolean closed;
    private int failures;
    private long generation;

    private CredentialRenewer(Builder b) {
        this.token = b.token;
        this.alias = b.alias;
        this.config = b;
        if (b.scheduler != null) {
            this.scheduler = b.scheduler;
            this.ownExecutor = null;
        } else {
            this.ownExecutor = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "credential-renewer-" + b.alias);
                t.setDaemon(true);
                return t;
            });
            this.scheduler = RenewalScheduler.of(ownExecutor);
        }
        this.tokenAddress = AuditedToken.address(b.token.info());
    }

    /** Starts configuring a renewer of credential {@code alias} of {@code token} (which must stay logged in). */
    public static Builder builder(SecureToken token, String alias) {
        return new Builder(token, alias);
    }

    /** The credential to hand to {@code NodeTls.server(...)} or {@code NodeTls.client(...)}: read at each handshake. */
    public CredentialSource source() {
        return CredentialSource.of(token, alias);
    }

    /**
     * Makes {@code context} (built from {@link #source()}) forget its resumable sessions after each
     * renewal, so that its next handshake with each peer is a full one, presenting the new
     * certificate. Needed for a client: it would otherwise resume a session made with the old
     * certificate (TLS 1.3 tickets, TLS 1.2 session IDs), and the server would still see the old
     * certificate until the session times out. A server context's own cache is cleared too;
     * stateless session tickets it issued before the renewal stay valid until they expire. Returns
     * {@code context}.
     */
    public NodeTlsContext attach(NodeTlsContext context) {
        attached.add(Objects.requireNonNull(context, "context"));
        return context;
    }

    /** Invalidates every session the attached contexts could resume; open connections are not touched. */
    private void forgetSessions() {
        for (NodeTlsContext context : attached) {
            SSLSessionContext sessions = context.sslContext().sessionContext();
            if (sessions == null) {
                continue;
            }
            int forgotten = 0;
            try {
                for (Enumeration<byte[]> ids = sessions.getIds(); ids.hasMoreElements();) {
                    SSLSession session = sessions.getSession(ids.nextElement());
                    if (session != null) {
                        session.invalidate();
                        forgotten++;
                    }
                }
            } catch (RuntimeException e) { // the renewal stands; a peer may resume once more with the old certificate
                LOG.warn("Credential '{}' renewed, but the TLS sessions made with the old certificate could not all "
                        + "be forgotten: {}", alias, e.toString());
            }
            LOG.info("Credential '{}' renewed: {} resumable TLS session(s) of a {} context forgotten", alias,
                    forgotten, context.connectionLimits().isPresent() ? "server" : "client");
        }
    }

    /** When the next attempt is scheduled, by the renewer's clock; empty once closed. */
    public Optional<Instant> nextAttempt() {
        return closed ? Optional.empty() : Optional.ofNullable(nextAttempt.get());
    }

    /**
     * The point of {@code certificate}'s lifetime at which it is renewed, given a jitter draw in
     * [0, 1): {@code notBefore + (renewAt ± jitter) × lifetime}.
     */
    Instant renewalPoint(X509Certificate certificate, double draw) {
        Instant from = certificate.getNotBefore().toInstant();
        Instant to = certificate.getNotAfter().toInstant();
        long lifetime = Duration.between(from, to).toMillis();
        double fraction = config.renewAt + (2 * draw - 1) * config.jitter;
        return from.plusMillis((long) (lifetime * Math.min(Math.max(fraction, 0.0), 0.99)));
    }

    private void start() throws TokenException {
        Credential current = token.credential(alias);
        scheduleRenewal(current.certificate());
    }

    private void scheduleRenewal(X509Certificate certificate) {
        Instant at = renewalPoint(certificate, config.random.nextDouble());
        Instant now = config.clock.instant();
        Duration delay = at.isAfter(now) ? Duration.between(now, at) : Duration.ZERO;
        LOG.info("Credential '{}' (serial {}, valid until {}) is renewed at {}", alias,
                certificate.getSerialNumber().toString(16), certificate.getNotAfter().toInstant(), at);
        schedule(delay);
    }

    private void schedule(Duration delay) {
        if (closed) {
            return;
        }
        long mine;
        synchronized (this) {
            mine = ++generation; // a renewNow() in between makes this one stale
        }
        nextAttempt.set(config.clock.instant().plus(delay));
        scheduler.schedule(() -> attempt(mine), delay);
    }

    /**
     * Renews now, whatever the schedule; the regular schedule then follows the new certificate.
     * Completes with the new certificate, or exceptionally when this attempt failed (a retry is then scheduled).
     */
    public CompletableFuture<X509Certificate> renewNow() {
        CompletableFuture<X509Certificate> done = new CompletableFuture<>();
        scheduler.schedule(() -> {
            X509Certificate issued = attemptOnce(done);
            if (issued != null) {
                done.complete(issued);
            }
        }, Duration.ZERO);
        return done;
    }

    private void attempt(long scheduled) {
        synchronized (this) {
            if (scheduled != generation) {
                return;
            }
        }
        attemptOnce(null);
    }

    /** One renewal attempt; schedules the next one, whatever happens. Returns the new certificate, or null. */
    private synchronized X509Certificate attemptOnce(CompletableFuture<X509Certificate> caller) {
        if (closed) {
            if (caller != null) {
                caller.completeExceptionally(new IllegalStateException("the renewer is closed"));
            }
            return null;
        }
        X509Certificate old = null;
        try {
            old = token.credential(alias).certificate();
            Credential renewed = NodeEnrollment.renew(token, alias, config.est, null, config.newKey);
            X509Certificate cert = renewed.certificate();
            failures = 0;
            forgetSessions();
            audit(AuditEvent.Outcome.SUCCESS, "credential '" + alias + "' renewed: serial "
                    + old.getSerialNumber().toString(16) + " replaced by " + cert.getSerialNumber().toString(16)
                    + ", valid until " + cert.getNotAfter().toInstant());
            scheduleRenewal(cert);
            return cert;
        } catch (EnrollmentException e) {
            failed(old, e.getMessage(), e.retryAfter().orElse(null), e.kind() == EnrollmentException.Kind.RETRY_LATER
                    || e.kind() == EnrollmentException.Kind.SERVER_UNREACHABLE);
            if (caller != null) {
                caller.completeExceptionally(e);
            }
        } catch (TokenException | RuntimeException e) {
            failed(old, "the token failed: " + e.getMessage(), null, false);
            if (caller != null) {
                caller.completeExceptionally(e);
            }
        }
        return null;
    }

    private void failed(X509Certificate current, String reason, Duration retryAfter, boolean transientFailure) {
        failures++;
        Duration delay = retryAfter != null ? retryAfter : backoff(failures);
        String detail = "renewing credential '" + alias + "' failed (attempt " + failures + "): " + reason
                + "; next attempt in " + delay.toSeconds() + " s" + (retryAfter != null ? " (the server's Retry-After)" : "");
        audit(transientFailure ? AuditEvent.Outcome.MINOR_FAILURE : AuditEvent.Outcome.SERIOUS_FAILURE, detail);
        LOG.info(detail);
        if (current != null) {
            warnIfExpiryNears(current);
        }
        schedule(delay);
    }

    /** {@code initialBackoff × 2^(n-1)}, at most {@code maxBackoff}, plus up to a tenth more at random. */
    Duration backoff(int failure) {
        long base = config.initialBackoff.toMillis();
        long millis = failure >= 31 ? Long.MAX_VALUE : base << (failure - 1);
        if (millis <= 0 || millis > config.maxBackoff.toMillis()) {
            millis = config.maxBackoff.toMillis();
        }
        return Duration.ofMillis(millis + (long) (millis * 0.1 * config.random.nextDouble()));
    }

    private void warnIfExpiryNears(X509Certificate current) {
        Instant from = current.getNotBefore().toInstant();
        Instant to = current.getNotAfter().toInstant();
        Duration left = Duration.between(config.clock.instant(), to);
        if (left.toMillis() < Duration.between(from, to).toMillis() * config.warnWhenRemaining) {
            String detail = "credential '" + alias + "' of " + tokenAddress + " expires at " + to + " (in "
                    + Math.max(0, left.toMinutes()) + " min) and is not renewed yet";
            LOG.warn(detail);
            audit(AuditEvent.Outcome.SERIOUS_FAILURE, detail);
        }
    }

    private void audit(AuditEvent.Outcome outcome, String detail) {
        if (config.audit != null) {
            config.audit.record(AuditEvent.aboutToken(AuditEvent.Kind.SECURITY_CONFIGURATION, outcome,
                    config.clock.instant(), tokenAddress, detail));
        }
    }

    /** Stops renewing (an attempt under way finishes). Does not close the token or the audit sink. */
    @Override
    public void close() {
        closed = true;
        if (ownExecutor != null) {
            ownExecutor.shutdownNow();
        }
    }

    /** Configures a {@link CredentialRenewer}. */
    public static final class Builder {
        private final SecureToken token;
        private final String alias;
        private URI est;
        private double renewAt = 2.0 / 3.0;
        private double jitter = 0.05;
        private Duration initialBackoff = Duration.ofSeconds(30);
        private Duration maxBackoff = Duration.ofHours(1);
        private double warnWhenRemaining = 0.15;
        private boolean newKey = true;
        private Clock clock = Clock.systemUTC();
        private RenewalScheduler scheduler;
        private RandomGenerator random = new java.security.SecureRandom();
        private AuditSink audit;

        private Builder(SecureToken token, String alias) {
            this.token = Objects.requireNonNull(token, "token");
            this.alias = Objects.requireNonNull(alias, "alias");
        }

        /** The EST server's address; by default the one kept in the token at enrollment. */
        public Builder est(URI address) {
            this.est = address;
            return this;
        }

        /** The point of the lifetime at which to renew, in (0, 1); default 2/3. */
        public Builder renewAt(double fraction) {
            if (!(fraction > 0 && fraction < 1)) {
                throw new IllegalArgumentException("the renewal point is a fraction of the lifetime, in (0, 1)");
            }
            this.renewAt = fraction;
            return this;
        }

        /** How far the renewal point is spread, ± this fraction of the lifetime (default 0.05; 0 for none). */
        public Builder jitter(double fraction) {
            if (!(fraction >= 0 && fraction < 0.5)) {
                throw new IllegalArgumentException("the jitter is a fraction of the lifetime, in [0, 0.5)");
            }
            this.jitter = fraction;
            return this;
        }

        /** The first retry's delay and the longest one (defaults 30 s and 1 h); doubled after each failure. */
        public Builder backoff(Duration initial, Duration max) {
            if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
                throw new IllegalArgumentException("the backoff needs 0 < initial <= max");
            }
            this.initialBackoff = initial;
            this.maxBackoff = max;
            return this;
        }

        /** Warn (log and audit) at each failure once less than this fraction of the lifetime remains (default 0.15). */
        public Builder warnWhenRemaining(double fraction) {
            if (!(fraction >= 0 && fraction < 1)) {
                throw new IllegalArgumentException("the warning point is a fraction of the lifetime, in [0, 1)");
            }
            this.warnWhenRemaining = fraction;
            return this;
        }

        /** Whether each renewal generates a new key pair in the token (default true). */
        public Builder newKey(boolean newKey) {
            this.newKey = newKey;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock);
            return this;
        }

        /** Where attempts are scheduled; by default a daemon thread the renewer owns and stops on close. */
        public Builder scheduler(RenewalScheduler scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler);
            return this;
        }

        /** The source of jitter (default a SecureRandom). */
        public Builder random(RandomGenerator random) {
            this.random = Objects.requireNonNull(random);
            return this;
        }

        /** Where renewals and failures are recorded (Security Configuration events). */
        public Builder audit(AuditSink sink) {
            this.audit = sink;
            return this;
        }

        /** Reads the current credential and schedules its renewal. */
        public CredentialRenewer start() throws TokenException {
            CredentialRenewer renewer = new CredentialRenewer(this);
            try {
                renewer.start();
            } catch (TokenException | RuntimeException e) {
                renewer.close();
                throw e;
            }
            return renewer;
        }
    }
}
