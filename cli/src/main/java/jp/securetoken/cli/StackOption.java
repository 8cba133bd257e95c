package jp.securetoken.cli;

import java.util.Locale;
import jp.securetoken.tls.NodeTlsContext;
import jp.securetoken.tls.TlsStack;
import picocli.CommandLine.Option;

/** {@code --stack jdk|openssl|bcjsse}: which TLS implementation {@code serve} and {@code connect} run. */
final class StackOption {
    @Option(names = "--stack", paramLabel = "STACK", description = "TLS implementation: jdk (default), openssl "
            + "(BoringSSL, native; where it cannot run, jdk with a note saying why) or bcjsse (BouncyCastle).")
    String stack = "jdk";

    TlsStack value() throws CliException {
        try {
            return TlsStack.valueOf(stack.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCode.USAGE, "--stack '" + stack + "' is not one of jdk, openssl, bcjsse");
        }
    }

    /** The note to show when the stack asked for could not run, naming the one that does. */
    static java.util.Optional<String> note(NodeTlsContext context) {
        return context.stackFallback().map(why -> "Note: using the jdk TLS stack: " + why);
    }
}
