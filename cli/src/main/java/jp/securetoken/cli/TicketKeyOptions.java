package jp.securetoken.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import jp.securetoken.tls.SessionTicketKeys;
import jp.securetoken.tls.TlsStack;
import picocli.CommandLine.Option;

/**
 * {@code serve --ticket-keys FILE|DIR} and its rotation options: session-ticket keys shared by a fleet
 * of gateways ({@link SessionTicketKeys}), so that a peer resumes at any instance of the fleet without
 * a new token signature. Only the native stack shares ticket keys.
 */
final class TicketKeyOptions {
    @Option(names = "--ticket-keys", paramLabel = "FILE|DIR", description = "Session-ticket keys shared with the "
            + "other instances of a gateway fleet (needs --stack openssl): a file of 48 random bytes (openssl rand "
            + "48), or a directory of *.key files, the newest of which seals new tickets while older ones still "
            + "open theirs for --ticket-key-grace.")
    Path location;

    @Option(names = "--ticket-key-grace", paramLabel = "MINUTES", description = "How long a replaced key still "
            + "opens the tickets it sealed (default: ${DEFAULT-VALUE}, the session lifetime).")
    long graceMinutes = 60;

    @Option(names = "--ticket-key-reload", paramLabel = "SECONDS", description = "How often the keys are re-read "
            + "(default: ${DEFAULT-VALUE}).")
    long reloadSeconds = 60;

    /** The fleet's keys, when {@code --ticket-keys} was given; a usage error for a stack that cannot share them. */
    Optional<SessionTicketKeys> keys(TlsStack stack) throws CliException {
        if (location == null) {
            return Optional.empty();
        }
        if (stack != TlsStack.OPENSSL) {
            throw new CliException(ExitCode.USAGE, "--ticket-keys needs --stack openssl: the jdk and bcjsse stacks "
                    + "keep their session-ticket keys inside the process");
        }
        if (graceMinutes < 0 || reloadSeconds < 1) {
            throw new CliException(ExitCode.USAGE, "--ticket-key-grace must not be negative and --ticket-key-reload "
                    + "must be at least 1 second");
        }
        return Optional.of(SessionTicketKeys.from(location.toAbsolutePath(), Duration.ofMinutes(graceMinutes),
                Duration.ofSeconds(reloadSeconds)));
    }
}
