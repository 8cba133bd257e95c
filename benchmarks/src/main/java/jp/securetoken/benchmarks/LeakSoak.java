package jp.securetoken.benchmarks;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import javax.security.auth.x500.X500Principal;
import jp.securetoken.api.CredentialSource;
import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.LoginRequiredException;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.SecureTokens;
import jp.securetoken.api.TokenClosedException;
import jp.securetoken.api.TokenException;
import jp.securetoken.api.TokenRemovedException;
import jp.securetoken.jpki.JpkiTokenProvider;
import jp.securetoken.jpki.emulator.EmulatedReader;
import jp.securetoken.jpki.emulator.JpkiCardEmulator;
import jp.securetoken.jpki.emulator.JpkiCardIdentity;
import jp.securetoken.jpki.emulator.JpkiPinRole;
import jp.securetoken.testpki.HeldCertificate;
import jp.securetoken.testpki.TestPki;
import jp.securetoken.tls.NodeAuthenticatedEvent;
import jp.securetoken.tls.NodeAuthenticationFailedEvent;
import jp.securetoken.tls.NodeTls;
import jp.securetoken.tls.NodeTlsContext;
import jp.securetoken.tls.trust.TrustPolicy;
import org.bouncycastle.asn1.x509.KeyUsage;

/**
 * The soak of issue 10: many mutual handshakes and many concurrent established connections through
 * {@code NodeTls} under Netty's PARANOID leak detector, with a My Number Card pulled out of its
 * (emulated, in-JVM) reader in the middle of a handshake and token errors in the middle of a
 * handshake. Prints the figures: leaks reported, heap after GC and live threads before and after,
 * and how each faulty handshake failed. Not a timed test: it measures, it does not race a clock.
 *
 * <p>{@code LeakSoak [handshakes] [concurrent] [faults]} (default 10000 1000 20); see
 * {@code scripts/soak.sh}.
 */
public final class LeakSoak {
    private static final int IN_FLIGHT = 8;

    private LeakSoak() {
    }

    /** What to run. */
    record Plan(int handshakes, int concurrent, int faults) {
    }

    /** What a run measured. */
    record Figures(int handshakes, int handshakesFailed, int concurrent, int established, int echoed,
            int cardRemovals, int cardRemovalsTyped, int tokenErrors, int tokenErrorsTyped, long leaks,
            long heapStart, long heapEnd, int threadsStart, int threadsEnd, Duration elapsed) {

        double heapGrowth() {
            return (heapEnd - heapStart) / (double) heapStart;
        }

        /** Every expectation of the soak: no leak, every fault typed, heap within 10 %, no new threads. */
        boolean clean() {
            return leaks == 0 && handshakesFailed == 0 && established == concurrent && echoed == concurrent
                    && cardRemovalsTyped == cardRemovals && tokenErrorsTyped == tokenErrors && heapGrowth() <= 0.10
                    && threadsEnd <= threadsStart;
        }

        void print(PrintStream out) {
            out.printf("mutual handshakes (full, token signs)  %,d, failed %d%n", handshakes, handshakesFailed);
            out.printf("concurrent established connections     %,d of %,d, echoed %,d%n", established, concurrent,
                    echoed);
            out.printf("card removed mid-handshake             %d, failed TOKEN_ERROR/TokenRemovedException: %d%n",
                    cardRemovals, cardRemovalsTyped);
            out.printf("token logged out / closed mid-handshake %d, failed TOKEN_ERROR/LoginRequired|TokenClosed: %d%n", tokenErrors,
                    tokenErrorsTyped);
            out.printf("leaks reported (PARANOID)              %d%n", leaks);
            out.printf("heap after GC                          %,d KiB -> %,d KiB (%+.1f %%)%n", heapStart / 1024,
                    heapEnd / 1024, 100 * heapGrowth());
            out.printf("live threads                           %d -> %d%n", threadsStart, threadsEnd);
            out.printf("elapsed                                %.1f s%n", elapsed.toMillis() / 1000.0);
            out.println(clean() ? "RESULT: clean" : "RESULT: NOT CLEAN");
        }
    }

    public static void main(String[] args) throws Exception {
        LeakCounter leaks = LeakCounter.install();
        Plan plan = new Plan(args.length > 0 ? Integer.parseInt(args[0]) : 10_000,
                args.length > 1 ? Integer.parseInt(args[1]) : 1_000, args.length > 2 ? Integer.parseInt(args[2]) : 20);
        Path dir = Files.createTempDirectory("securetoken-soak");
        Figures f = run(dir, plan, leaks, System.out);
        f.print(System.out);
        leaks.firstReports().forEach(r -> System.out.println("LEAK " + r));
        System.exit(f.clean() ? 0 : 1);
    }

    /** Runs a warm-up, measures, runs {@code plan}, measures again. */
    static Figures run(Path dir, Plan plan, LeakCounter leaks, PrintStream out) throws Exception {
        long started = System.nanoTime();
        TestPki regional = TestPki.create("Regional Network CA (soak)");
        TestPki jpki = TestPki.create("JPKI user authentication CA (soak)", TestPki.Keys.rsa(2048));
        HeldCertificate cardCertificate = jpki.issue(new X500Principal("CN=SOAK0001, C=JP"))
                .keyUsage(KeyUsage.digitalSignature).keyPair(TestPki.Keys.rsa(2048)).build();
        JpkiCardIdentity identity = JpkiCardIdentity.builder().authCredential(
                cardCertificate.keyPair().getPrivate(), cardCertificate.certificate(), jpki.caCertificate()).build();
        JpkiCardEmulator card = JpkiCardEmulator.builder(identity).signingDelay(Duration.ofMillis(200)).build();
        EmulatedReader reader = new EmulatedReader(card);

        TrustPolicy gatewayTrust = TrustPolicy.builder().trustAnchors(regional.caCertificate(), jpki.caCertificate())
                .requireExtendedKeyUsage(false).build();
        TrustPolicy clientTrust = TrustPolicy.builder().trustAnchors(regional.caCertificate()).build();
        try (SecureToken gateway = BenchTokens.node(dir, "gateway", KeyAlgorithm.EC_P256, regional);
                SecureToken clinic = BenchTokens.node(dir, "clinic", KeyAlgorithm.EC_P256, regional);
                NodeTlsContext server = NodeTls.server(CredentialSource.of(gateway, BenchTokens.ALIAS))
                        .trustPolicy(gatewayTrust).connectionLimits(BenchTokens.LOAD).build();
                NodeTlsContext client = NodeTls.client(CredentialSource.of(clinic, BenchTokens.ALIAS))
                        .trustPolicy(clientTrust).build();
                SoakPeers peers = new SoakPeers(server, 2)) {
            Faults faults = new Faults(peers, clientTrust, reader, card, dir, regional);
            out.println("warm-up ...");
            handshakes(peers, client, Math.max(50, plan.handshakes() / 50));
            concurrent(peers, client, Math.max(20, plan.concurrent() / 10));
            faults.cardRemovals(2);
            faults.tokenErrors(2);
            long heapStart = heapAfterGc(leaks);
            int threadsStart = ManagementFactory.getThreadMXBean().getThreadCount();

            out.printf("%,d mutual handshakes ...%n", plan.handshakes());
            int failed = handshakes(peers, client, plan.handshakes());
            out.printf("%,d concurrent connections ...%n", plan.concurrent());
            int[] concurrent = concurrent(peers, client, plan.concurrent());
            out.printf("%d cards removed and %d token errors mid-handshake ...%n", plan.faults(), plan.faults());
            int cardTyped = faults.cardRemovals(plan.faults());
            int tokenTyped = faults.tokenErrors(plan.faults());
            faults.close();

            long heapEnd = heapAfterGc(leaks);
            int threadsEnd = ManagementFactory.getThreadMXBean().getThreadCount();
            return new Figures(plan.handshakes(), failed, plan.concurrent(), concurrent[0], concurrent[1],
                    plan.faults(), cardTyped, plan.faults(), tokenTyped, leaks.collect(), heapStart, heapEnd,
                    threadsStart, threadsEnd, Duration.ofNanos(System.nanoTime() - started));
        }
    }

    private static long heapAfterGc(LeakCounter leaks) {
        leaks.collect();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /**
     * {@code count} full mutual handshakes, {@value #IN_FLIGHT} at a time; each connection echoes
     * once (so the server, too, has accepted the client) and is closed. The failures.
     */
    static int handshakes(SoakPeers peers, NodeTlsContext client, int count) throws Exception {
        Semaphore inFlight = new Semaphore(IN_FLIGHT);
        AtomicInteger failed = new AtomicInteger();
        for (int i = 0; i < count; i++) {
            inFlight.acquire();
            SoakPeers.Connection c = peers.connect(client, false);
            c.outcome().thenAccept(outcome -> {
                if (outcome instanceof NodeAuthenticatedEvent) {
                    SoakPeers.send(c, "ping");
                } else {
                    c.echo().complete(null);
                }
            });
            c.echo().whenComplete((echo, error) -> {
                if (!"ping".equals(echo)) {
                    failed.incrementAndGet();
                }
                c.channel().close().addListener(done -> inFlight.release());
            });
        }
        inFlight.acquire(IN_FLIGHT);
        return failed.get();
    }

    /** Opens {@code count} connections and holds them all; then an echo on each; then closes them all. */
    static int[] concurrent(SoakPeers peers, NodeTlsContext client, int count) throws Exception {
        List<SoakPeers.Connection> open = new ArrayList<>(count);
        int established = 0;
        int echoed = 0;
        try {
            for (int i = 0; i < count; i++) {
                open.add(peers.connect(client, true));
                if (open.size() % 50 == 0) {
                    open.get(open.size() - 1).awaitOutcome();
                }
            }
            for (SoakPeers.Connection c : open) {
                if (c.awaitOutcome() instanceof NodeAuthenticatedEvent) {
                    established++;
                }
            }
            for (SoakPeers.Connection c : open) {
                SoakPeers.send(c, "ping");
            }
            for (SoakPeers.Connection c : open) {
                if ("ping".equals(c.echo().get(60, java.util.concurrent.TimeUnit.SECONDS))) {
                    echoed++;
                }
            }
        } finally {
            open.forEach(SoakPeers.Connection::close);
        }
        return new int[] {established, echoed};
    }

    /** Handshakes that must fail on the client's token, each with its typed reason. */
    static final class Faults implements AutoCloseable {
        private final SoakPeers peers;
        private final TrustPolicy trust;
        private final EmulatedReader reader;
        private final JpkiCardEmulator card;
        private final Path dir;
        private final TestPki pki;
        private int rounds;

        Faults(SoakPeers peers, TrustPolicy trust, EmulatedReader reader, JpkiCardEmulator card, Path dir, TestPki pki) {
            this.peers = peers;
            this.trust = trust;
            this.reader = reader;
            this.card = card;
            this.dir = dir;
            this.pki = pki;
        }

        /** Pulls the card while it signs the CertificateVerify; counts failures typed {@link TokenRemovedException}. */
        int cardRemovals(int count) throws Exception {
            int typed = 0;
            for (int i = 0; i < count; i++) {
                JpkiCardEmulator inserted = card.newCard();
                reader.insert(inserted);
                try (SecureToken token = SecureTokens.of(new JpkiTokenProvider(reader.terminalFactory()))
                        .open("jpki:auth");
                        NodeTlsContext tls = NodeTls.client(CredentialSource.of(token, token.credentials().get(0)
                                .alias())).trustPolicy(trust).build()) {
                    token.login(request -> inserted.identity().pin(JpkiPinRole.AUTHENTICATION).toCharArray());
                    long signs = inserted.signCommands();
                    SoakPeers.Connection c = peers.connect(tls, false);
                    awaitSigning(() -> inserted.signCommands() > signs || c.outcome().isDone());
                    reader.remove();
                    if (typed(c.awaitOutcome(), e -> e instanceof TokenRemovedException)) {
                        typed++;
                    }
                    c.close();
                }
            }
            return typed;
        }

        /**
         * A software token that is logged out when the handshake asks it to sign the
         * CertificateVerify, or closed when the handshake asks it for its credential: counts failures
         * typed {@link LoginRequiredException} / {@link TokenClosedException}.
         */
        int tokenErrors(int count) throws Exception {
            int typed = 0;
            for (int i = 0; i < count; i++) {
                try (SecureToken token = BenchTokens.node(dir, "faulty-" + (++rounds), KeyAlgorithm.EC_P256, pki);
                        NodeTlsContext tls = NodeTls.client(CredentialSource.of(token, BenchTokens.ALIAS))
                                .trustPolicy(trust).build()) {
                    boolean close = i % 2 == 1;
                    if (close) {
                        token.close();
                    } else {
                        token.logout();
                    }
                    SoakPeers.Connection c = peers.connect(tls, false);
                    Predicate<TokenException> expected = close ? e -> e instanceof TokenClosedException
                            : e -> e instanceof LoginRequiredException;
                    if (typed(c.awaitOutcome(), expected)) {
                        typed++;
                    }
                    c.close();
                }
            }
            return typed;
        }

        private static boolean typed(Object outcome, Predicate<TokenException> expected) {
            return outcome instanceof NodeAuthenticationFailedEvent f
                    && f.kind() == NodeAuthenticationFailedEvent.Kind.TOKEN_ERROR
                    && f.tokenError().filter(expected).isPresent();
        }

        private static void awaitSigning(java.util.function.BooleanSupplier signing) throws InterruptedException {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!signing.getAsBoolean() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
        }

        @Override
        public void close() {
            reader.remove();
        }
    }
}
