package jp.securetoken.cli;

import static jp.securetoken.cli.CliTestSupport.expect;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** {@code --help}, usage errors and the exit-code table. */
class UsageTest {

    @Test
    void helpListsTheCommandsAndTheExitCodes() throws Exception {
        Cli.Result r = expect(0, new Cli().run("--help"));
        for (String command : new String[] {"token", "soft", "keygen", "csr", "cert", "pin", "userdata"}) {
            assertTrue(r.out().contains("  " + command + " "), command + " missing in\n" + r.out());
        }
        assertTrue(r.out().contains("Exit codes:"), r::toString);
        assertTrue(r.out().contains("3  PIN/authentication failure"), r::toString);
        assertTrue(r.out().contains("4  token absent"), r::toString);
        assertTrue(r.out().contains("6  bad input"), r::toString);
    }

    @ParameterizedTest
    @ValueSource(strings = {"token list", "token info", "soft init", "keygen", "csr", "cert import", "cert export",
        "pin change", "pin unlock", "userdata get", "userdata set", "userdata list", "verify", "serve", "connect"})
    void everyCommandHasHelp(String command) throws Exception {
        String[] words = (command + " --help").split(" ");
        Cli.Result r = expect(0, new Cli().run((Object[]) words));
        assertTrue(r.out().startsWith("Usage: nodeauth " + command), r::toString);
        assertTrue(r.out().contains("Exit codes:"), r::toString);
    }

    @Test
    void anUnknownOptionIsAUsageError() throws Exception {
        Cli.Result r = expect(2, new Cli().run("token", "list", "--no-such-option"));
        assertTrue(r.err().contains("Unknown option: '--no-such-option'"), r::toString);
    }

    @Test
    void aMissingRequiredOptionIsAUsageError() throws Exception {
        Cli.Result r = expect(2, new Cli().run("keygen", "soft:/tmp/x.stk", "--algorithm", "EC_P256"));
        assertTrue(r.err().contains("--alias"), r::toString);
    }

    @Test
    void anUnknownAlgorithmIsAUsageError() throws Exception {
        Cli.Result r = expect(2, new Cli().run("keygen", "soft:/tmp/x.stk", "--alias", "a", "--algorithm", "DSA"));
        assertTrue(r.err().contains("EC_P256"), r::toString);
    }

    @Test
    void aGroupWithoutSubcommandIsAUsageError() throws Exception {
        Cli.Result r = expect(2, new Cli().run("token"));
        assertTrue(r.err().contains("Missing subcommand: give one of list, info"), r::toString);
    }

    @Test
    void versionNamesTheBuild() throws Exception {
        Cli.Result r = expect(0, new Cli().run("--version"));
        assertTrue(r.out().startsWith("nodeauth 0."), r::toString);
    }

    /**
     * The developers' guide: PINs and passwords never appear in process arguments (ps, shell history).
     * No option of any command takes one as its value; they come from a variable, a file or a prompt.
     */
    @Test
    void noOptionOfAnyCommandTakesAPinOrPasswordAsItsValue() {
        java.util.List<String> offenders = new java.util.ArrayList<>();
        java.util.Deque<picocli.CommandLine> commands = new java.util.ArrayDeque<>();
        commands.add(new picocli.CommandLine(new NodeAuth()));
        int options = 0;
        while (!commands.isEmpty()) {
            picocli.CommandLine command = commands.pop();
            commands.addAll(command.getSubcommands().values());
            for (picocli.CommandLine.Model.OptionSpec option : command.getCommandSpec().options()) {
                options++;
                boolean takesValue = option.arity().max() > 0;
                boolean secret = option.longestName().matches("--([a-z]+-)*(pin|password|secret|passphrase)")
                        && !"SHA256".equals(option.paramLabel()); // --ca-pin: a certificate fingerprint
                if (takesValue && (secret || option.paramLabel().matches("(?i).*\\b(PIN|PASSWORD)\\b.*"))) {
                    offenders.add(command.getCommandSpec().qualifiedName() + " " + option.longestName());
                }
            }
        }
        assertTrue(options > 100, "walked " + options + " options");
        assertTrue(offenders.isEmpty(), "options taking a secret as their value: " + offenders);
    }
}
