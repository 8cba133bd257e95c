package jp.securetoken.cli;

import java.nio.file.Path;

import javax.security.auth.x500.X500Principal;

import jp.securetoken.api.SecureToken;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nodeauth csr URI --alias A --subject DN}. */
@Command(name = "csr", description = {"Make a PKCS#10 certification request (PEM) for an alias's pending key, "
    + "or its current key when none is pending, signed inside the token."})
final class CsrCommand extends TokenAction {
    @Parameters(paramLabel = "URI", arity = "0..1", description = "The token (or give --token).")
    String address;

    @Mixin
    TokenAddress tokenAddress;

    @Option(names = "--alias", required = true, paramLabel = "ALIAS", description = "The credential's name.")
    String alias;

    @Option(names = "--subject", required = true, paramLabel = "DN",
            description = "The subject, e.g. \"CN=clinic-001, O=Example Clinic, C=JP\".")
    String subject;

    @Option(names = "--out", paramLabel = "FILE", description = "Write the request here (default: standard output).")
    Path outFile;

    @Mixin
    PinOptions.User userPin;

    @Mixin
    PinOptions.Device deviceKey;

    @Override
    void run() throws Exception {
        X500Principal name;
        try {
            name = new X500Principal(subject);
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCode.USAGE, "--subject '" + subject + "' is not a distinguished name: "
                    + e.getMessage(), e);
        }
        try (PinReader pins = pins(); SecureToken token = open(tokenAddress.require(address))) {
            login(token, pins, userPin, deviceKey);
            byte[] der = withProgress("Signing the request in the token",
                    () -> token.lifecycle().createCertificationRequest(alias, name));
            writeOutput(outFile, Pem.encode("CERTIFICATE REQUEST", der));
            if (outFile != null) {
                out().println("Wrote the request for '" + alias + "' to " + outFile);
            }
        }
    }
}
