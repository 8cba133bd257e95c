package jp.securetoken.cli;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import jp.securetoken.api.Credential;
import jp.securetoken.api.CredentialUsage;
import jp.securetoken.api.PinCallback;
import jp.securetoken.api.PinRequest;
import jp.securetoken.api.PinRole;
import jp.securetoken.api.SecureToken;
import jp.securetoken.soft.SoftTokenSettings;
import jp.securetoken.soft.SoftTokens;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code soft import FILE.p12 --token URI --alias A}: migration from files. A PKCS#12 file (key and
 * chain, as regional networks hand them out) into a new or existing software token; its password is
 * asked like a PIN and wiped after use.
 */
@Command(name = "import", description = {"Take the key and chain of a PKCS#12 file into a software token, new "
    + "(give --label) or existing. The file's password is read from --password-env/--password-file or asked "
    + "without echo.", "Delete the file afterwards: from then on the key lives in the token."})
final class SoftImportCommand extends TokenAction {
    @Parameters(paramLabel = "FILE.p12", description = "The PKCS#12 file (e.g. made by openssl pkcs12 -export).")
    Path file;

    @Mixin
    TokenAddress tokenAddress;

    @Option(names = "--alias", required = true, paramLabel = "ALIAS", description = "The credential's name in the token.")
    String alias;

    @Option(names = "--entry", paramLabel = "NAME", description = "The file's key entry, when it holds several.")
    String entry;

    @Option(names = "--label", paramLabel = "LABEL", description = "Create the token with this label when the "
            + "file does not exist (new PINs asked twice, or from --pin-env and --admin-pin-env).")
    String label;

    @Option(names = "--kdf-iterations", paramLabel = "N", description = "PBKDF2 iterations of a token created here.")
    int kdfIterations = SoftTokenSettings.DEFAULT_KDF_ITERATIONS;

    @Mixin
    PinOptions.Password password;

    @Mixin
    PinOptions.User userPin;

    @Mixin
    PinOptions.Admin adminPin;

    @Override
    void run() throws Exception {
        Path target = TokenAddress.softFile(tokenAddress.require(null), "soft import");
        byte[] bytes = readInput(file, "PKCS#12 file");
        try (PinReader pins = pins()) {
            KeyEntry key;
            char[] secret = pins.secret("password of " + file.getFileName(), password.source());
            try {
                key = read(bytes, secret);
            } finally {
                Arrays.fill(secret, '\0');
            }
            PinCallback user;
            if (!Files.exists(target)) {
                if (label == null) {
                    throw new CliException(ExitCode.TOKEN_ABSENT, "there is no software token at " + target
                            + "; give --label LABEL to create one");
                }
                SoftTokenSettings.Builder settings;
                try {
                    settings = SoftTokenSettings.builder(label).kdfIterations(kdfIterations);
                } catch (IllegalArgumentException e) {
                    throw new CliException(ExitCode.USAGE, e.getMessage(), e);
                }
                user = pins.now("user PIN", userPin.source(), true,
                        new PinRequest(PinRole.USER, "new PIN", label, -1, "4 to 64 characters"));
                PinCallback admin = pins.now("administrator PIN", adminPin.source(), true,
                        new PinRequest(PinRole.ADMINISTRATOR, "new PIN", label, -1, "4 to 64 characters"));
                SoftTokens.create(target, settings.userPin(user).administratorPin(admin).build());
                out().println("Created software token '" + label + "' at soft:" + target);
            } else {
                user = pins.callback("user PIN", userPin.source(), false);
            }
            try (SecureToken token = open(target.toString())) {
                login(token, user);
                Credential written = SoftTokens.importCredential(token, alias, key.key(), key.chain(),
                        CredentialUsage.NODE_AUTHENTICATION);
                out().println("Imported '" + alias + "' (" + key.chain().size() + " certificate(s), "
                        + written.key().algorithm() + " key) from " + file.getFileName() + " into token '"
                        + token.info().label() + "': " + written.certificate().getSubjectX500Principal().getName()
                        + ", " + written.daysToExpiry(Clock.systemUTC()) + " days to expiry");
                err().println("The key now lives in the token: delete " + file + " (and its copies).");
            }
        }
    }

    /** The key and chain of one entry. */
    private record KeyEntry(PrivateKey key, List<X509Certificate> chain) {
    }

    private KeyEntry read(byte[] bytes, char[] secret) throws CliException {
        KeyStore store;
        try {
            store = KeyStore.getInstance("PKCS12");
            store.load(new ByteArrayInputStream(bytes), secret);
        } catch (IOException e) {
            if (e.getCause() instanceof UnrecoverableKeyException) {
                throw new CliException(ExitCode.AUTHENTICATION, "the password of " + file + " is not correct");
            }
            throw new CliException(ExitCode.BAD_INPUT, file + " is not a readable PKCS#12 file ("
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + ")");
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new CliException(ExitCode.BAD_INPUT, file + " is not a readable PKCS#12 file ("
                    + e.getClass().getSimpleName() + ")");
        }
        try {
            List<String> keyEntries = new ArrayList<>();
            for (String name : Collections.list(store.aliases())) {
                if (store.isKeyEntry(name)) {
                    keyEntries.add(name);
                }
            }
            String chosen = entry;
            if (chosen == null) {
                if (keyEntries.size() != 1) {
                    throw new CliException(keyEntries.isEmpty() ? ExitCode.BAD_INPUT : ExitCode.USAGE, file
                            + (keyEntries.isEmpty() ? " holds no private key" : " holds several keys "
                            + keyEntries + "; choose one with --entry NAME"));
                }
                chosen = keyEntries.get(0);
            } else if (!keyEntries.contains(chosen)) {
                throw new CliException(ExitCode.BAD_INPUT, file + " has no key entry '" + chosen + "' (it has "
                        + keyEntries + ")");
            }
            if (!(store.getKey(chosen, secret) instanceof PrivateKey key)) {
                throw new CliException(ExitCode.BAD_INPUT, "the entry '" + chosen + "' of " + file
                        + " is not a private key");
            }
            Certificate[] chain = store.getCertificateChain(chosen);
            if (chain == null || chain.length == 0) {
                throw new CliException(ExitCode.BAD_INPUT, "the key of " + file + " comes without its certificate");
            }
            List<X509Certificate> certificates = new ArrayList<>();
            for (Certificate c : chain) {
                certificates.add((X509Certificate) c);
            }
            return new KeyEntry(key, certificates);
        } catch (UnrecoverableKeyException e) {
            throw new CliException(ExitCode.AUTHENTICATION, "the password of " + file
                    + " does not open its key (made with another password?)");
        } catch (GeneralSecurityException | ClassCastException e) {
            throw new CliException(ExitCode.BAD_INPUT, file + " is not a readable PKCS#12 file ("
                    + e.getClass().getSimpleName() + ")");
        }
    }
}
