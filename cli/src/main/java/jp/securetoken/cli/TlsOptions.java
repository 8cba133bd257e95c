package jp.securetoken.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import jp.securetoken.soft.SoftTokens;
import jp.securetoken.tls.trust.PeerPattern;
import jp.securetoken.tls.trust.TrustPolicy;
import picocli.CommandLine.Option;

/** What {@code serve} and {@code connect} share: the token credential and the trust policy for the peer. */
final class TlsOptions {
    @Option(names = "--token", required = true, paramLabel = "URI", description = "The token holding this node's "
            + "credential.")
    String token;

    @Option(names = "--alias", required = true, paramLabel = "ALIAS", description = "The credential to authenticate "
            + "with.")
    String alias;

    @Option(names = "--ca", required = true, paramLabel = "PEM", description = "CA certificate(s) the peer's chain "
            + "must lead to; repeatable.")
    List<Path> caFiles;

    @Option(names = "--allow", paramLabel = "CN-GLOB", description = "Accept only peers whose common name matches "
            + "this glob (* = any run of characters); repeatable.")
    List<String> allow = new ArrayList<>();

    TrustPolicy policy() throws Exception {
        TrustPolicy.Builder policy = TrustPolicy.builder();
        for (Path ca : caFiles) {
            policy.trustAnchors(SoftTokens.readCertificates(TokenAction.readInput(ca, "CA file"))
                    .toArray(java.security.cert.X509Certificate[]::new));
        }
        allow.forEach(glob -> policy.allowPeers(PeerPattern.commonName(glob)));
        return policy.build();
    }

    /** {@code host:port} as given on the command line. */
    record HostPort(String host, int port) {
        static HostPort parse(String value, String option) throws CliException {
            int colon = value.lastIndexOf(':');
            try {
                if (colon <= 0) {
                    throw new NumberFormatException();
                }
                int port = Integer.parseInt(value.substring(colon + 1));
                if (port < 1 || port > 65535) {
                    throw new NumberFormatException();
                }
                return new HostPort(value.substring(0, colon), port);
            } catch (NumberFormatException e) {
                throw new CliException(ExitCode.USAGE, option + " '" + value + "' is not host:port");
            }
        }

        @Override
        public String toString() {
            return host + ":" + port;
        }
    }
}
