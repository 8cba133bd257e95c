package jp.securetoken.cli;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import jp.securetoken.soft.SoftTokens;
import jp.securetoken.tls.trust.NodeTrustManager;
import jp.securetoken.tls.trust.PeerRejectedException;
import jp.securetoken.tls.trust.RejectionReason;
import jp.securetoken.tls.trust.Revocation;
import jp.securetoken.tls.trust.TrustPolicy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nodeauth verify CERT --ca PEM}: a certificate against a trust policy, as a TLS peer would be checked. */
@Command(name = "verify", description = {"Check a node's certificate (or chain, entity first) against a trust "
    + "policy exactly as a mutual-TLS peer is checked (docs/TRUST.md): path built from the leaf to a --ca "
    + "anchor, --pin-ca on that path, key usage and extended key usage of the role, one common name, "
    + "allow-list, and revocation (CRL files or URLs and/or OCSP, hard-fail unless --soft-fail).",
    "Exit code 5 when the certificate is rejected, with the reason."})
final class VerifyCommand extends TokenAction {
    @Parameters(paramLabel = "CERT", description = "The certificate or chain, PEM or DER.")
    Path certificateFile;

    @Mixin
    TrustOptions trust;

    @Option(names = "--usage", paramLabel = "ROLE", description = "The role the node has: client (default) or "
            + "server; its certificate must carry the matching extended key usage.")
    String usage = "client";

    @Override
    void run() throws Exception {
        NodeTrustManager.PeerRole role = switch (usage.toLowerCase(Locale.ROOT)) {
            case "client" -> NodeTrustManager.PeerRole.CLIENT;
            case "server" -> NodeTrustManager.PeerRole.SERVER;
            default -> throw new CliException(ExitCode.USAGE, "--usage must be client or server, not '" + usage + "'");
        };
        List<X509Certificate> chain = SoftTokens.readCertificates(readInput(certificateFile, "certificate file"));
        TrustPolicy.Builder policy = trust.builder();
        Revocation revocation = trust.revocation();
        X509Certificate[] peer = chain.toArray(X509Certificate[]::new);
        String status = describe(revocation, trust.crlCount(), trust.crlDistributionPoints, trust.ocsp != null);
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

    private static String describe(Revocation revocation, int crls, boolean distributionPoints, boolean ocsp) {
        if (revocation.mode() == Revocation.Mode.OFF) {
            return "not checked (give --crl FILE or --ocsp URL)";
        }
        List<String> sources = new ArrayList<>();
        if (crls > 0) {
            sources.add(crls + (crls == 1 ? " CRL" : " CRLs"));
        }
        if (distributionPoints) {
            sources.add("CRL distribution points");
        }
        if (ocsp) {
            sources.add(revocation.ocspResponder().map(uri -> "OCSP " + uri).orElse("OCSP as the certificates name it"));
        }
        return "not revoked (" + String.join(", ", sources) + "; "
                + (revocation.mode() == Revocation.Mode.SOFT_FAIL ? "soft-fail" : "hard-fail") + ")";
    }
}
