package jp.securetoken.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

import jp.securetoken.api.PinRequest;
import jp.securetoken.api.PinRole;
import jp.securetoken.jpki.JpkiCardProfile;
import jp.securetoken.jpki.emulator.JpkiCardEmulator;
import jp.securetoken.jpki.emulator.JpkiCardIdentity;
import jp.securetoken.jpki.emulator.VpcdCardConnection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code nodeauth jpki emulate}: a virtual My Number Card in pcscd's vpcd reader, for trying things out. */
@Command(name = "jpki", description = "The My Number Card (JPKI).", subcommands = JpkiCommands.Emulate.class)
final class JpkiCommands extends NodeAuth.Group {

    /** {@code jpki emulate}. */
    @Command(name = "emulate", description = {
        "Insert an emulated My Number Card (test identity, its own JPKI-like test CAs) into pcscd's vpcd reader",
        "(Debian packages pcscd and vsmartcard-vpcd). The card stays in until standard input closes or the",
        "process is stopped; pcscd, javax.smartcardio and OpenSC then see it as a real card (jpki:auth, jpki:sign).",
        "Its test PINs come from --auth-pin-env/--auth-pin-file and --sign-pin-env/--sign-pin-file, else they are",
        "the test defaults: user authentication " + Emulate.DEFAULT_AUTH_PIN + ", signature " + Emulate.DEFAULT_SIGN_PIN
            + " (never give a real card's PIN).",
        "Type 'remove' or 'insert' (a line on standard input) to pull the card out of the reader or put it back."})
    static final class Emulate extends TokenAction {
        /** The emulated card's test PINs when no option names them. */
        static final String DEFAULT_AUTH_PIN = "1234";
        static final String DEFAULT_SIGN_PIN = "SIGN1234";

        @Mixin
        PinOptions.CardAuth authPin;

        @Mixin
        PinOptions.CardSign signPin;

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
            JpkiCardIdentity.Builder builder = JpkiCardIdentity.builder();
            try (PinReader pins = new PinReader(null, InputStream.nullInputStream(), false, err(), System::getenv)) {
                cardPin(pins, "user-authentication PIN", authPin.source(), DEFAULT_AUTH_PIN, builder::authPin);
                cardPin(pins, "signature PIN", signPin.source(), DEFAULT_SIGN_PIN, builder::signPin);
            }
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
                out().printf("  user authentication: %s (%s, 3 tries)%n",
                        identity.authCertificate().getSubjectX500Principal().getName(), origin(authPin.source()));
                out().printf("  signature:           %s, 5 tries (certificate readable after the PIN)%n",
                        origin(signPin.source()));
                out().printf("  card profile:        %s (%s keys)%n", layout.name(),
                        identity.authCertificate().getPublicKey().getAlgorithm().equals("EC") ? "EC P-384" : "RSA-2048");
                if (certDir != null) {
                    out().printf("  certificates written to %s%n", certDir.toAbsolutePath());
                }
                out().println("Open it as jpki:auth or jpki:sign. Type 'remove' or 'insert' to pull the card out or put "
                        + "it back; close standard input (Ctrl-D) to remove it and end.");
                out().flush();
                replug(connection);
            }
            out().println("Card removed.");
        }

        /**
         * Follows the lines of standard input until it closes: {@code remove} pulls the card out of the
         * reader (pcscd sees it leave, the card powers off and forgets its verified PINs, not its tries),
         * {@code insert} puts it back.
         */
        private void replug(VpcdCardConnection connection) throws IOException {
            BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = commands.readLine()) != null) {
                switch (line.trim()) {
                    case "remove" -> {
                        connection.remove();
                        out().println("Card removed from the reader (type 'insert' to put it back).");
                    }
                    case "insert" -> {
                        connection.insert();
                        out().println("Card inserted into the vpcd reader again.");
                    }
                    case "" -> {
                        // an empty line changes nothing
                    }
                    default -> out().println("Unknown line '" + line.trim() + "': type 'remove' or 'insert', or close "
                            + "standard input to end.");
                }
                out().flush();
            }
        }

        /** Reads one of the card's PINs from the variable or file its options name, else takes the test default. */
        private static void cardPin(PinReader pins, String what, PinOptions.Source source, String testDefault,
                java.util.function.Consumer<String> set) throws CliException {
            if (source.env() == null && source.file() == null) {
                set.accept(testDefault);
                return;
            }
            char[] pin = pins.callback(what, source, false).providePin(new PinRequest(PinRole.USER, what,
                    "emulated My Number Card", -1, null));
            try {
                set.accept(new String(pin)); // the emulator keeps its test card's PIN as text, like a card keeps it
            } catch (IllegalArgumentException e) {
                throw new CliException(ExitCode.USAGE, "the " + what + " given with " + (source.env() != null
                        ? source.envOption() + " " + source.env() : source.fileOption() + " " + source.file())
                        + " does not fit the card: " + e.getMessage());
            } finally {
                Arrays.fill(pin, '\0');
            }
        }

        /** Where a PIN came from, for the start-up lines (never the PIN itself). */
        private static String origin(PinOptions.Source source) {
            return source.env() != null ? "PIN from $" + source.env()
                    : source.file() != null ? "PIN from " + source.file()
                    : "test default PIN (see --help)";
        }
    }
}
