package jp.securetoken.cli;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code nodeauth}, the command-line tool for secure tokens: list tokens and show what one can do,
 * create software tokens, generate keys, make requests, import and export certificates, change and
 * unlock PINs, read and write user data. Run {@code nodeauth --help} for the commands and exit codes.
 */
@Command(name = "nodeauth", scope = ScopeType.INHERIT, mixinStandardHelpOptions = true,
        versionProvider = Version.class, usageHelpAutoWidth = true,
        description = "Inspect and manage the secure tokens that hold node-authentication keys.",
        subcommands = {TokenCommands.class, SoftCommands.class, KeygenCommand.class, CsrCommand.class,
            CertCommands.class, PinCommands.class, UserDataCommands.class, VerifyCommand.class,
            ServeCommand.class, ConnectCommand.class, JpkiCommands.class, SignCommand.class, IssuerCommands.class,
            EnrollCommands.Enroll.class, EnrollCommands.Renew.class})
public final class NodeAuth implements Runnable {
    private static final String LOG_LEVEL = "org.slf4j.simpleLogger.defaultLogLevel";

    @Spec
    CommandSpec spec;

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
            description = "Show library log messages and the stack trace of an error.")
    boolean verbose;

    @Option(names = "--pin-stdin", scope = ScopeType.INHERIT,
            description = "Without a terminal, read each PIN the command needs as a line of standard input.")
    boolean pinStdin;

    /** Runs one command line and exits with its code. */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        List<String> all = Arrays.asList(args);
        if (all.contains("-v") || all.contains("--verbose")) {
            System.setProperty(LOG_LEVEL, "info");
            for (String quietByDefault : new String[] {"jp.securetoken.soft.SoftToken",
                "jp.securetoken.tls.trust.NodeTrustManager", "jp.securetoken.tls.NodeAuthenticationHandler"}) {
                System.setProperty("org.slf4j.simpleLogger.log." + quietByDefault, "info");
            }
        }
        CommandLine cli = new CommandLine(new NodeAuth());
        footer(cli);
        cli.setExecutionExceptionHandler((error, failed, parsed) -> {
            PrintWriter err = failed.getErr();
            String message = error instanceof jp.securetoken.api.LoginRequiredException login
                    ? login.operation() + " needs the user PIN: give it with --pin-env NAME or --pin-file FILE, "
                        + "or run the command at a terminal to be asked"
                    : error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage();
            err.println("nodeauth: " + message);
            if (((NodeAuth) failed.getCommandSpec().root().userObject()).verbose) {
                error.printStackTrace(err);
            }
            err.flush();
            return ExitCode.of(error).code();
        });
        return cli.execute(args);
    }

    private static void footer(CommandLine cli) {
        cli.getCommandSpec().usageMessage().footer(ExitCode.footer());
        cli.getSubcommands().values().forEach(NodeAuth::footer);
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing command: give one of "
                + String.join(", ", spec.subcommands().keySet()));
    }

    /** Base of a command that only groups subcommands. */
    abstract static class Group implements Runnable {
        @Spec
        CommandSpec spec;

        @Override
        public void run() {
            throw new ParameterException(spec.commandLine(), "Missing subcommand: give one of "
                    + String.join(", ", spec.subcommands().keySet()));
        }
    }
}
