package jp.securetoken.cli;

/** An error the CLI itself detects (a file it cannot read, a PIN it has no way to ask), with its exit code. */
final class CliException extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient ExitCode exitCode;

    CliException(ExitCode exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    CliException(ExitCode exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    ExitCode exitCode() {
        return exitCode;
    }
}
