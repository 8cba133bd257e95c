package jp.securetoken.cli;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
import jp.securetoken.tls.trust.PeerPattern;
import jp.securetoken.tls.trust.Revocation;
import jp.securetoken.tls.trust.TrustPolicy;
import picocli.CommandLine.Option;

/**
 * The trust-policy options {@code verify}, {@code serve} and {@code connect} share: every setting of
 * the library's {@link TrustPolicy} that a site chooses (docs/TRUST.md).
 */
final class TrustOptions {
    private static final int MAX_CRL_BYTES = 16 * 1024 * 1024;
    private static final Duration CRL_FETCH_TIMEOUT = Duration.ofSeconds(15);

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

    @Option(names = "--crl", paramLabel = "FILE|URL", description = "A CRL (PEM or DER) file, or an http URL to "
            + "fetch one from at start; repeatable. Checked before OCSP.")
    List<String> crlSources = new ArrayList<>();

    @Option(names = "--ocsp", arity = "0..1", fallbackValue = "", paramLabel = "URL", description = "Check OCSP: "
            + "ask this responder, or without URL the one each certificate names.")
    String ocsp;

    @Option(names = "--soft-fail", description = "Accept a peer whose revocation status cannot be established "
            + "(warned); default: refuse it.")
    boolean softFail;

    /** A policy builder with every option applied (revocation included). */
    TrustPolicy.Builder builder() throws Exception {
        TrustPolicy.Builder policy = TrustPolicy.builder();
        for (Path ca : caFiles) {
            policy.trustAnchors(SoftTokens.readCertificates(TokenAction.readInput(ca, "CA file"))
                    .toArray(X509Certificate[]::new));
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

    /** The revocation settings: off unless --crl or --ocsp is given. */
    Revocation revocation() throws CliException {
        List<X509CRL> crls = new ArrayList<>();
        for (String source : crlSources) {
            crls.addAll(readCrls(source));
        }
        if (crls.isEmpty() && ocsp == null) {
            return Revocation.off();
        }
        Revocation revocation = (softFail ? Revocation.softFail() : Revocation.hardFail()).withCrls(crls);
        if (!crls.isEmpty()) {
            revocation = revocation.preferringCrls();
        }
        if (ocsp != null && !ocsp.isEmpty()) {
            revocation = revocation.withOcspResponder(httpUri(ocsp, "--ocsp"));
        }
        return revocation;
    }

    int crlCount() {
        return crlSources.size();
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

    private static List<X509CRL> readCrls(String source) throws CliException {
        byte[] bytes = source.toLowerCase(Locale.ROOT).startsWith("http://")
                || source.toLowerCase(Locale.ROOT).startsWith("https://") ? fetch(httpUri(source, "--crl"))
                : TokenAction.readInput(Path.of(source), "CRL file");
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

    /** Fetches a CRL over HTTP, bounded in time and size. */
    private static byte[] fetch(URI uri) throws CliException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(CRL_FETCH_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER).build();
        try {
            HttpResponse<InputStream> response = client.send(HttpRequest.newBuilder(uri).timeout(CRL_FETCH_TIMEOUT)
                    .GET().build(), HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = response.body()) {
                if (response.statusCode() != 200) {
                    throw new CliException(ExitCode.BAD_INPUT, "fetching the CRL " + uri + " gave HTTP "
                            + response.statusCode());
                }
                byte[] bytes = in.readNBytes(MAX_CRL_BYTES + 1);
                if (bytes.length > MAX_CRL_BYTES) {
                    throw new CliException(ExitCode.BAD_INPUT, "the CRL at " + uri + " is larger than "
                            + MAX_CRL_BYTES + " bytes");
                }
                return bytes;
            }
        } catch (IOException e) {
            throw new CliException(ExitCode.BAD_INPUT, "cannot fetch the CRL " + uri + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCode.FAILURE, "interrupted while fetching the CRL " + uri, e);
        }
    }
}
