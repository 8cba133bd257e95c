package jp.securetoken.cli;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jp.securetoken.tls.ConnectionLimits;
import picocli.CommandLine.Option;

/**
 * The connection limits ({@link ConnectionLimits}) of {@code serve} and {@code issuer serve}: how much
 * strangers may make the server's token sign before their certificate is seen. Over a limit a connection is closed before
 * TLS; refusals are logged on standard error at most every 10 s per limit.
 */
final class LimitOptions {
    private static final Pattern RATE = Pattern.compile("(\\d{1,9})/(\\d{1,9})");

    @Option(names = "--max-connections", paramLabel = "N", description = "Connections open at once, handshaking or "
            + "established (default: ${DEFAULT-VALUE}).")
    int maxConnections = ConnectionLimits.DEFAULTS.maxConnections();

    @Option(names = "--max-handshakes", paramLabel = "N", description = "Connections accepted but not yet through "
            + "their handshake, at once (default: ${DEFAULT-VALUE}).")
    int maxHandshakes = ConnectionLimits.DEFAULTS.maxConcurrentHandshakes();

    @Option(names = "--max-source-handshakes", paramLabel = "N/SECONDS", description = "Connections one source "
            + "address (IPv6: one /64) may open per SECONDS (default: ${DEFAULT-VALUE}).")
    String perSource = ConnectionLimits.DEFAULTS.maxHandshakesPerSource() + "/"
            + ConnectionLimits.DEFAULTS.sourceInterval().toSeconds();

    /** The limits given, or a usage error naming the option at fault. */
    ConnectionLimits limits() throws CliException {
        Matcher m = RATE.matcher(perSource);
        if (!m.matches() || Integer.parseInt(m.group(1)) < 1 || Integer.parseInt(m.group(2)) < 1) {
            throw new CliException(ExitCode.USAGE, "--max-source-handshakes '" + perSource
                    + "' is not N/SECONDS with both at least 1 (e.g. 10/10)");
        }
        if (maxConnections < 1) {
            throw new CliException(ExitCode.USAGE, "--max-connections must be at least 1, not " + maxConnections);
        }
        if (maxHandshakes < 1) {
            throw new CliException(ExitCode.USAGE, "--max-handshakes must be at least 1, not " + maxHandshakes);
        }
        return new ConnectionLimits(Integer.parseInt(m.group(1)), Duration.ofSeconds(Integer.parseInt(m.group(2))),
                maxHandshakes, maxConnections);
    }
}
