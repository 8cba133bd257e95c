package jp.securetoken.cli;

import jp.securetoken.tls.trust.TrustPolicy;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** What {@code serve} and {@code connect} share: the token credential and the trust policy for the peer ({@link TrustOptions}). */
final class TlsOptions {
    @Option(names = "--token", required = true, paramLabel = "URI", description = "The token holding this node's "
            + "credential.")
    String token;

    @Option(names = "--alias", required = true, paramLabel = "ALIAS", description = "The credential to authenticate "
            + "with.")
    String alias;

    @Mixin
    TrustOptions trust;

    TrustPolicy policy() throws Exception {
        return trust.builder().build();
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
