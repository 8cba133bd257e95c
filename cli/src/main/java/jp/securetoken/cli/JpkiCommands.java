package jp.securetoken.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import jp.securetoken.jpki.JpkiCardProfile;
import jp.securetoken.jpki.emulator.JpkiCardEmulator;
import jp.securetoken.jpki.emulator.JpkiCardIdentity;
import jp.securetoken.jpki.emulator.VpcdCardConnection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code nodeauth jpki emulate}: a virtual My Number Card in pcscd's vpcd reader, for trying things out. */
@Command(name = "jpki", description = "The My Number Card (JPKI).", subcommands = JpkiCommands.Emulate.class)
final class JpkiCommands extends NodeAuth.Group {

    /** {@code jpki emulate}. */
    @Command(name = "emulate", description = {
        "Insert an emulated My Number Card (test identity, its own JPKI-like test CAs) into pcscd's vpcd reader",
        "(Debian packages pcscd and vsmartcard-vpcd). The card stays in until standard input closes or the",
        "process is stopped; pcscd, javax.smartcardio and OpenSC then see it as a real card (jpki:auth, jpki:sign)."})
    static final class Emulate extends TokenAction {
        @Option(names = "--auth-pin", defaultValue = "1234", paramLabel = "PIN",
                description = "The user-authentication PIN (4 digits), default ${DEFAULT-VALUE}.")
        String authPin;

        @Option(names = "--sign-pin", defaultValue = "SIGN1234", paramLabel = "PIN",
                description = "The signature PIN (6-16 of A-Z, 0-9), default ${DEFAULT-VALUE}.")
        String signPin;

        @Option(names = "--vpcd", defaultValue = "localhost:" + VpcdCardConnection.DEFAULT_PORT, paramLabel = "HOST:PORT",
                description = "Where pcscd's vpcd reader listens, default ${DEFAULT-VALUE}.")
        String vpcd;

        @Option(names = "--cert-dir", paramLabel = "DIR",
                description = "Write the card's user-authentication certificate and both CA certificates here as PEM.")
        Path certDir;

        @Option(names = "--profile", defaultValue = "my-number-card", paramLabel = "NAME",
                description = {"The card's layout: my-number-card (RSA-2048, the card issued since 2016, default) or "
                    + "next-generation (EC P-384 keys and another application layout, as assumed for the card "
                    + "announced for 2026; see the token-jpki README)."})
        String profile;

        @Option(names = "--signing-delay", defaultValue = "0", paramLabel = "MILLIS",
                description = "Make every signature take this long, like a slow card.")
        long signingDelayMillis;

        @Override
        void run() throws Exception {
            int colon = vpcd.lastIndexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("--vpcd wants HOST:PORT, got " + vpcd);
            }
            JpkiCardProfile layout;
            try {
                layout = JpkiCardProfile.named(profile);
            } catch (jp.securetoken.api.TokenUriException e) {
                throw new CliException(ExitCode.USAGE, "--profile '" + profile + "' is not one of "
                        + JpkiCardProfile.known().stream().map(JpkiCardProfile::name).toList(), e);
            }
            JpkiCardIdentity.Builder builder = JpkiCardIdentity.builder().authPin(authPin).signPin(signPin);
            if (layout.equals(JpkiCardProfile.NEXT_GENERATION)) {
                builder.ecP384();
            }
            JpkiCardIdentity identity = builder.build();
            if (certDir != null) {
                Files.createDirectories(certDir);
                Files.writeString(certDir.resolve("jpki-auth.pem"), Pem.encode("CERTIFICATE", identity.authCertificate().getEncoded()));
                Files.writeString(certDir.resolve("jpki-auth-ca.pem"), Pem.encode("CERTIFICATE", identity.authCaCertificate().getEncoded()));
                Files.writeString(certDir.resolve("jpki-sign-ca.pem"), Pem.encode("CERTIFICATE", identity.signCaCertificate().getEncoded()));
            }
            JpkiCardEmulator card = JpkiCardEmulator.builder(identity).profile(layout)
                    .signingDelay(Duration.ofMillis(signingDelayMillis)).build();
            try (VpcdCardConnection connection = VpcdCardConnection.builder(card).host(vpcd.substring(0, colon))
                    .port(Integer.parseInt(vpcd.substring(colon + 1))).build()) {
                Runtime.getRuntime().addShutdownHook(new Thread(connection::close, "nodeauth-emulate-stop"));
                connection.insert();
                out().printf("Emulated My Number Card inserted into the vpcd reader at %s%n", vpcd);
                out().printf("  user authentication: %s (PIN %s, 3 tries)%n",
                        identity.authCertificate().getSubjectX500Principal().getName(), authPin);
                out().printf("  signature:           PIN %s, 5 tries (certificate readable after the PIN)%n", signPin);
                out().printf("  card profile:        %s (%s keys)%n", layout.name(),
                        identity.authCertificate().getPublicKey().getAlgorithm().equals("EC") ? "EC P-384" : "RSA-2048");
                if (certDir != null) {
                    out().printf("  certificates written to %s%n", certDir.toAbsolutePath());
                }
                out().println("Open it as jpki:auth or jpki:sign. Close standard input (Ctrl-D) to remove the card.");
                out().flush();
                while (System.in.read() >= 0) {
                    // the card stays in until standard input closes
                }
            }
            out().println("Card removed.");
        }
    }
}
