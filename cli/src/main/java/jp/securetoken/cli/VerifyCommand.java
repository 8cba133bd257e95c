package jp.securetoken.cli;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.security.cert.CRL;
import java.security.cert.CRLException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

import jp.securetoken.soft.SoftTokens;
import jp.securetoken.tls.trust.NodeTrustManager;
import jp.securetoken.tls.trust.PeerPattern;
import jp.securetoken.tls.trust.PeerRejectedException;
import jp.securetoken.tls.trust.RejectionReason;
import jp.securetoken.tls.trust.Revocation;
import jp.securetoken.tls.trust.TrustPolicy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nodeauth verify CERT --ca PEM}: a certificate against a trust policy, as a TLS peer would be checked. */
@Command(name = "verify", description = {"Check a node's certificate (or chain, entity first) against a trust "
    + "policy exactly as a mutual-TLS peer is checked: path to a --ca anchor, validity, extended key usage "
    + "of the role, allow-list, and revocation (CRL files and/or OCSP, hard-fail unless --soft-fail).",
    "Exit code 5 when the certificate is rejected, with the reason."})
final class VerifyCommand extends TokenAction {
    @Parameters(paramLabel = "CERT", description = "The certificate or chain, PEM or DER.")
    Path certificateFile;

    @Option(names = "--ca", required = true, paramLabel = "PEM", description = "Trusted CA certificate(s), PEM or "
            + "DER.")
    List<Path> caFiles;

    @Option(names = "--crl", paramLabel = "FILE", description = "A CRL (PEM or DER) to check revocation against; "
            + "repeatable. Checked before OCSP.")
    List<Path> crlFiles = new ArrayList<>();

    @Option(names = "--ocsp", paramLabel = "URL", description = "Ask this OCSP responder (instead of the one the "
            + "certificate names).")
    String ocsp;

    @Option(names = "--soft-fail", description = "Accept a certificate whose revocation status cannot be "
            + "established (warned); default: reject it.")
    boolean softFail;

    @Option(names = "--usage", paramLabel = "ROLE", description = "The role the node has: client (default) or "
            + "server; its certificate must carry the matching extended key usage.")
    String usage = "client";

    @Option(names = "--allow", paramLabel = "CN-GLOB", description = "Accept only subjects whose common name "
            + "matches this glob (* = any run of characters); repeatable.")
    List<String> allow = new ArrayList<>();

    @Override
    void run() throws Exception {
        NodeTrustManager.PeerRole role = switch (usage.toLowerCase(Locale.ROOT)) {
            case "client" -> NodeTrustManager.PeerRole.CLIENT;
            case "server" -> NodeTrustManager.PeerRole.SERVER;
            default -> throw new CliException(ExitCode.USAGE, "--usage must be client or server, not '" + usage + "'");
        };
        List<X509Certificate> chain = SoftTokens.readCertificates(readInput(certificateFile, "certificate file"));
        TrustPolicy.Builder policy = TrustPolicy.builder();
        for (Path ca : caFiles) {
            policy.trustAnchors(SoftTokens.readCertificates(readInput(ca, "CA file")).toArray(X509Certificate[]::new));
        }
        allow.forEach(glob -> policy.allowPeers(PeerPattern.commonName(glob)));
        Revocation revocation = Revocation.off();
        List<X509CRL> crls = new ArrayList<>();
        for (Path crl : crlFiles) {
            crls.addAll(readCrls(crl));
        }
        if (!crls.isEmpty() || ocsp != null) {
            revocation = (softFail ? Revocation.softFail() : Revocation.hardFail()).withCrls(crls);
            if (!crls.isEmpty()) {
                revocation = revocation.preferringCrls();
            }
            if (ocsp != null) {
                revocation = revocation.withOcspResponder(ocspUri());
            }
        }
        X509Certificate[] peer = chain.toArray(X509Certificate[]::new);
        String status = describe(revocation, crls.size());
        try {
            if (revocation.mode() == Revocation.Mode.SOFT_FAIL) {
                status = softFailStatus(policy, revocation, role, peer, status);
            }
            new NodeTrustManager(policy.revocation(revocation).build(), role).validate(peer, null);
        } catch (PeerRejectedException e) {
            throw new CliException(ExitCode.PEER_REJECTED, "rejected (" + e.reason() + "): " + e.getMessage(), e);
        }

        X509Certificate leaf = chain.get(0);
        long days = Math.floorDiv(Duration.between(Clock.systemUTC().instant(), leaf.getNotAfter().toInstant())
                .toSeconds(), 86_400L);
        var out = out();
        out.println("Trusted as a " + usage.toLowerCase(Locale.ROOT) + " node.");
        out.println("  subject     " + leaf.getSubjectX500Principal().getName());
        out.println("  issuer      " + leaf.getIssuerX500Principal().getName());
        out.println("  serial      " + leaf.getSerialNumber().toString(16));
        out.println("  not after   " + leaf.getNotAfter().toInstant() + " (" + days + " days left)");
        out.println("  revocation  " + status);
        if (days < TokenCommands.WARN_DAYS) {
            err().println("warning: the certificate expires in " + days + " days (fewer than "
                    + TokenCommands.WARN_DAYS + ")");
        }
    }

    /** Soft-fail accepts an unknown status silently; a hard-fail check first tells the user whether it was unknown. */
    private static String softFailStatus(TrustPolicy.Builder policy, Revocation revocation,
            NodeTrustManager.PeerRole role, X509Certificate[] peer, String status) throws PeerRejectedException {
        Revocation hard = revocation.withMode(Revocation.Mode.HARD_FAIL);
        try {
            new NodeTrustManager(policy.revocation(hard).build(), role).validate(peer, null);
            return status;
        } catch (PeerRejectedException e) {
            if (e.reason() != RejectionReason.REVOCATION_UNKNOWN) {
                throw e;
            }
            return "UNKNOWN, accepted because of --soft-fail ("
                    + (e.getCause() == null ? e.getMessage() : e.getCause().getMessage()) + ")";
        }
    }

    private URI ocspUri() throws CliException {
        try {
            URI uri = new URI(ocsp);
            if (uri.getScheme() == null || !uri.getScheme().toLowerCase(Locale.ROOT).startsWith("http")) {
                throw new URISyntaxException(ocsp, "not an http(s) URL");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new CliException(ExitCode.USAGE, "--ocsp '" + ocsp + "' is not an http(s) URL", e);
        }
    }

    private static String describe(Revocation revocation, int crls) {
        if (revocation.mode() == Revocation.Mode.OFF) {
            return "not checked (give --crl FILE or --ocsp URL)";
        }
        List<String> sources = new ArrayList<>();
        if (crls > 0) {
            sources.add(crls + (crls == 1 ? " CRL" : " CRLs"));
        }
        revocation.ocspResponder().ifPresent(uri -> sources.add("OCSP " + uri));
        return "not revoked (" + String.join(", ", sources) + "; "
                + (revocation.mode() == Revocation.Mode.SOFT_FAIL ? "soft-fail" : "hard-fail") + ")";
    }

    private static List<X509CRL> readCrls(Path file) throws CliException {
        byte[] bytes = readInput(file, "CRL file");
        try {
            Collection<? extends CRL> read = CertificateFactory.getInstance("X.509")
                    .generateCRLs(new ByteArrayInputStream(bytes));
            if (read.isEmpty()) {
                throw new CliException(ExitCode.BAD_INPUT, "the CRL file " + file + " holds no CRL");
            }
            List<X509CRL> out = new ArrayList<>();
            read.forEach(c -> out.add((X509CRL) c));
            return out;
        } catch (CertificateException | CRLException | RuntimeException e) {
            throw new CliException(ExitCode.BAD_INPUT, "the CRL file " + file + " is not a CRL ("
                    + e.getClass().getSimpleName() + ")", e);
        }
    }
}
