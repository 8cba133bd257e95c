package jp.securetoken.cli;

import java.nio.file.Path;
import java.util.List;

import jp.securetoken.api.PinCallback;
import jp.securetoken.api.PinRequest;
import jp.securetoken.api.PinRole;
import jp.securetoken.soft.SoftTokenSettings;
import jp.securetoken.soft.SoftTokens;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nodeauth soft init|import}: software token files. */
@Command(name = "soft", description = "Create software token files; import PKCS#12 files into them.",
        subcommands = {SoftCommands.Init.class, SoftImportCommand.class})
final class SoftCommands extends NodeAuth.Group {

    /** The form a software token PIN must have (the token checks it; the prompt says it). */
    private static final String PIN_RULE = "4 to 64 characters";

    /** {@code soft init FILE --label L}. */
    @Command(name = "init", description = {"Create an empty software token file with a user PIN and an "
        + "administrator PIN (each asked twice at the terminal, or read from --pin-env/--pin-file and "
        + "--admin-pin-env/--admin-pin-file).", "Never overwrites a file."})
    static final class Init extends TokenAction {
        @Parameters(paramLabel = "FILE", arity = "0..1", description = "The token file to create, e.g. node.stk "
                + "(or give --token soft:/path/node.stk).")
        String file;

        @Mixin
        TokenAddress tokenAddress;

        @Option(names = "--label", required = true, paramLabel = "LABEL", description = "The token's label (1-64 "
                + "characters).")
        String label;

        @Option(names = "--max-retries", paramLabel = "N", description = "Wrong tries before a PIN locks, 1-15 "
                + "(default: ${DEFAULT-VALUE}).")
        int maxRetries = SoftTokenSettings.DEFAULT_MAX_RETRIES;

        @Option(names = "--kdf-iterations", paramLabel = "N", description = "PBKDF2 iterations protecting the PINs, "
                + SoftTokenSettings.MIN_KDF_ITERATIONS + " to " + SoftTokenSettings.MAX_KDF_ITERATIONS + " (default: ${DEFAULT-VALUE}; keep it "
                + "outside tests).")
        int kdfIterations = SoftTokenSettings.DEFAULT_KDF_ITERATIONS;

        @Option(names = "--issuer-anchor", paramLabel = "PEM", description = "CA certificate(s) a credential's "
                + "chain must lead to (JAHIS issuing-server authentication).")
        Path issuerAnchor;

        @Mixin
        PinOptions.User userPin;

        @Mixin
        PinOptions.Admin adminPin;

        @Override
        void run() throws Exception {
            SoftTokenSettings.Builder settings;
            try {
                settings = SoftTokenSettings.builder(label).maxRetries(maxRetries).kdfIterations(kdfIterations);
            } catch (IllegalArgumentException e) {
                throw new CliException(ExitCode.USAGE, e.getMessage(), e);
            }
            if (issuerAnchor != null) {
                settings.issuerAnchors(List.copyOf(SoftTokens.readCertificates(readInput(issuerAnchor,
                        "issuer anchor file"))));
            }
            try (PinReader pins = pins()) {
                PinCallback user = pins.now("user PIN", userPin.source(), true,
                        new PinRequest(PinRole.USER, "new PIN", label, -1, PIN_RULE));
                PinCallback admin = pins.now("administrator PIN", adminPin.source(), true,
                        new PinRequest(PinRole.ADMINISTRATOR, "new PIN", label, -1, PIN_RULE));
                Path target = TokenAddress.softFile(tokenAddress.require(file), "soft init");
                withProgress("Creating the token", () -> {
                    SoftTokens.create(target, settings.userPin(user).administratorPin(admin).build());
                    return null;
                });
                out().println("Created software token '" + label + "' at soft:" + target);
            }
        }
    }
}
