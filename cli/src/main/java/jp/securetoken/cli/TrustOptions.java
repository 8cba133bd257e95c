package jp.securetoken.cli;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.security.cert.CRL;
import java.security.cert.CRLException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

import jp.securetoken.soft.SoftTokens;
import jp.securetoken.tls.trust.CrlCache;
import jp.securetoken.tls.trust.OcspCache;
import jp.securetoken.tls.trust.PeerPattern;
import jp.securetoken.tls.trust.Revocation;
import jp.securetoken.tls.trust.RevocationSourceListener;
import jp.securetoken.tls.trust.TrustPolicy;
import picocli.CommandLine.Option;

/**
 * The trust-policy options {@code verify}, {@code serve} and {@code connect} share: every setting of
 * the library's {@link TrustPolicy} that a site chooses (docs/TRUST.md).
 */
final class TrustOptions {
    private final LateListener revocationEvents = new LateListener();
    private final List<X509Certificate> anchors = new ArrayList<>();
    private Revocation revocation;

    @Option(names = "--ca", required = true, paramLabel = "PEM", description = "CA certificate(s) the peer's chain "
            + "must lead to, PEM or DER; repeatable.")
    List<Path> caFiles;

    @Option(names = "--pin-ca", paramLabel = "SHA256", description = "Accept only peers whose validated path holds "
            + "the CA certificate with this SHA-256 (hex of its DER, colons allowed); repeatable.")
    List<String> pins = new ArrayList<>();

    @Option(names = "--allow", paramLabel = "CN-GLOB", description = "Accept only peers whose common name matches "
            + "this glob (* = any run of characters); repeatable.")
    List<String> allow = new ArrayList<>();

    @Option(names = "--require-eku", description = "Refuse a peer certificate without an extended key usage "
            + "extension (one that has it must always name the peer's role).")
    boolean requireEku;

    @Option(names = "--crl", paramLabel = "FILE|URL", description = "A CRL (PEM or DER) file, read once, or an "
            + "http URL kept current: fetched (at most 16 MiB within 15 s), refreshed half-way to each CRL's "
            + "nextUpdate and the last good CRL kept until its nextUpdate; repeatable. Checked before OCSP.")
    List<String> crlSources = new ArrayList<>();

    @Option(names = "--crl-dp", description = "Also keep current the http CRL distribution points named by the "
            + "peers' certificates (after the peer passed every other check).")
    boolean crlDistributionPoints;

    @Option(names = "--crl-refresh", paramLabel = "DURATION", description = "Fetch each CRL URL again at least "
            + "this often (e.g. 30s, 15m, 1h), besides half-way to its nextUpdate.")
    String crlRefresh;

    @Option(names = "--ocsp", arity = "0..1", fallbackValue = "", paramLabel = "URL", description = "Check OCSP: "
            + "ask this http responder, or without URL the one each certificate names; answers are kept until "
            + "their nextUpdate.")
    String ocsp;

    @Option(names = "--ocsp-nonce", description = "Send a nonce with each OCSP request and refuse an answer that "
            + "does not echo it (a replayed answer). OCSP answers are kept until their nextUpdate either way.")
    boolean ocspNonce;

    @Option(names = "--soft-fail", description = "Accept a peer whose revocation status cannot be established "
            + "(warned); default: refuse it.")
    boolean softFail;

    /** A policy builder with every option applied (revocation included). */
    TrustPolicy.Builder builder() throws Exception {
        TrustPolicy.Builder policy = TrustPolicy.builder();
        anchors.clear();
        for (Path ca : caFiles) {
            List<X509Certificate> read = SoftTokens.readCertificates(TokenAction.readInput(ca, "CA file"));
            anchors.addAll(read);
            policy.trustAnchors(read.toArray(X509Certificate[]::new));
        }
        for (String pin : pins) {
            try {
                policy.pinCaSha256(pin);
            } catch (IllegalArgumentException e) {
                throw new CliException(ExitCode.USAGE, "--pin-ca '" + pin + "' is not a SHA-256 in hex (64 digits)",
                        e);
            }
        }
        allow.forEach(glob -> policy.allowPeers(PeerPattern.commonName(glob)));
        policy.requireExtendedKeyUsage(requireEku);
        return policy.revocation(revocation());
    }

    /** The revocation settings: off unless --crl, --crl-dp or --ocsp is given. Made once per run. */
    Revocation revocation() throws CliException {
        if (revocation == null) {
            revocation = makeRevocation();
        }
        return revocation;
    }

    /**
     * Where the CRL and OCSP caches report fetch failures and new CRLs from now on: {@code audit} (the
     * audit trail, once it runs), and failures as a warning line on {@code warnings}.
     */
    void revocationEvents(RevocationSourceListener audit, PrintWriter warnings) {
        revocationEvents.target = audit;
        revocationEvents.warnings = warnings;
    }

    private Revocation makeRevocation() throws CliException {
        if (ocspNonce && ocsp == null) {
            throw new CliException(ExitCode.USAGE, "--ocsp-nonce needs --ocsp");
        }
        List<X509CRL> crls = new ArrayList<>();
        CrlCache.Builder cache = CrlCache.builder().fromCertificates(crlDistributionPoints)
                .listener(revocationEvents);
        boolean urls = false;
        for (String source : crlSources) {
            if (source.toLowerCase(Locale.ROOT).matches("[a-z][a-z0-9+.-]*://.*")) {
                cache.distributionPoint(crlUrl(source));
                urls = true;
            } else {
                crls.addAll(parseCrls(TokenAction.readInput(Path.of(source), "CRL file"), source));
            }
        }
        if (crlRefresh != null) {
            Duration every = duration(crlRefresh, "--crl-refresh");
            cache.refreshAtLeastEvery(every).checkEvery(every.compareTo(Duration.ofMinutes(1)) < 0 ? every
                    : Duration.ofMinutes(1));
        }
        if (crls.isEmpty() && !urls && !crlDistributionPoints && ocsp == null) {
            return Revocation.off();
        }
        Revocation revocation = (softFail ? Revocation.softFail() : Revocation.hardFail()).withCrls(crls);
        if (urls || crlDistributionPoints) {
            revocation = revocation.withCrlSource(cache.issuers(anchors.toArray(X509Certificate[]::new)).build());
        }
        if (!crls.isEmpty() || urls || crlDistributionPoints) {
            revocation = revocation.preferringCrls();
        }
        if (ocsp != null && !ocsp.isEmpty()) {
            revocation = revocation.withOcspResponder(plainHttp(ocsp, "--ocsp", "OCSP is asked over http only "
                    + "(answers are signed; RFC 6960 A.1)"));
        }
        if (ocsp != null) {
            revocation = revocation.withOcspCache(OcspCache.builder().requireNonce(ocspNonce)
                    .listener(revocationEvents).build());
        }
        return revocation;
    }

    int crlCount() {
        return crlSources.size();
    }

    private static URI crlUrl(String value) throws CliException {
        return plainHttp(value, "--crl", "CRLs are fetched over http only (they are signed; RFC 5280)");
    }

    private static URI plainHttp(String value, String option, String why) throws CliException {
        URI uri = httpUri(value, option);
        if (!"http".equalsIgnoreCase(uri.getScheme())) {
            throw new CliException(ExitCode.USAGE, option + " '" + value + "': " + why);
        }
        return uri;
    }

    /** {@code 90s}, {@code 15m}, {@code 2h}, {@code 1d}, or ISO-8601 ({@code PT1H}). */
    static Duration duration(String value, String option) throws CliException {
        try {
            String v = value.trim().toLowerCase(Locale.ROOT);
            Duration d;
            if (v.startsWith("p")) {
                d = Duration.parse(value.trim().toUpperCase(Locale.ROOT));
            } else {
                long n = Long.parseLong(v.substring(0, v.length() - 1));
                d = switch (v.charAt(v.length() - 1)) {
                    case 's' -> Duration.ofSeconds(n);
                    case 'm' -> Duration.ofMinutes(n);
                    case 'h' -> Duration.ofHours(n);
                    case 'd' -> Duration.ofDays(n);
                    default -> throw new NumberFormatException();
                };
            }
            if (d.isNegative() || d.isZero()) {
                throw new NumberFormatException();
            }
            return d;
        } catch (RuntimeException e) {
            throw new CliException(ExitCode.USAGE, option + " '" + value + "' is not a duration such as 30s, 15m, "
                    + "1h or 1d", e);
        }
    }

    /** Forwards to the listener set once the audit trail runs; until then failures are only logged. */
    private static final class LateListener implements RevocationSourceListener {
        private volatile RevocationSourceListener target = RevocationSourceListener.none();
        private volatile PrintWriter warnings;

        @Override
        public void updated(URI source, java.time.Instant thisUpdate, java.time.Instant nextUpdate) {
            target.updated(source, thisUpdate, nextUpdate);
        }

        @Override
        public void failed(URI source, String reason) {
            target.failed(source, reason);
            PrintWriter w = warnings;
            if (w != null) {
                synchronized (w) {
                    w.println("warning: revocation data from " + source + ": " + reason);
                    w.flush();
                }
            }
        }
    }

    private static URI httpUri(String value, String option) throws CliException {
        try {
            URI uri = new URI(value);
            if (uri.getScheme() == null || !uri.getScheme().toLowerCase(Locale.ROOT).startsWith("http")) {
                throw new URISyntaxException(value, "not an http(s) URL");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new CliException(ExitCode.USAGE, option + " '" + value + "' is not an http(s) URL", e);
        }
    }

    /** The CRLs (DER or PEM) in {@code bytes}, read from {@code source}; exit 6 when there are none or they are bad. */
    static List<X509CRL> parseCrls(byte[] bytes, String source) throws CliException {
        try {
            Collection<? extends CRL> read = CertificateFactory.getInstance("X.509")
                    .generateCRLs(new ByteArrayInputStream(bytes));
            if (read.isEmpty()) {
                throw new CliException(ExitCode.BAD_INPUT, "the CRL file " + source + " holds no CRL");
            }
            List<X509CRL> out = new ArrayList<>();
            read.forEach(c -> out.add((X509CRL) c));
            return out;
        } catch (CertificateException | CRLException | RuntimeException e) {
            throw new CliException(ExitCode.BAD_INPUT, "the CRL file " + source + " is not a CRL ("
                    + e.getClass().getSimpleName() + ")", e);
        }
    }
}
