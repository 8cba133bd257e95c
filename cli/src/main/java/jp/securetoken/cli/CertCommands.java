package jp.securetoken.cli;

import java.nio.file.Path;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.Locale;

import jp.securetoken.api.Credential;
import jp.securetoken.api.CredentialUsage;
import jp.securetoken.api.InvalidCertificateException;
import jp.securetoken.api.SecureToken;
import jp.securetoken.soft.SoftTokens;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.TypeConversionException;

/** {@code nodeauth cert import|export}: a credential's certificate chain. */
@Command(name = "cert", description = "Import a credential's certificate chain into a token, or export it.",
        subcommands = {CertCommands.Import.class, CertCommands.Export.class})
final class CertCommands extends NodeAuth.Group {

    /** {@code cert import URI --alias A --chain FILE}. */
    @Command(name = "import", description = {"Write a certificate chain (PEM or DER, entity certificate first) "
        + "as an alias's credential.", "The entity certificate must carry the alias's pending key (from keygen) "
            + "or its current key; the chain must chain. Replaces the old credential atomically."})
    static final class Import extends TokenAction {
        @Parameters(paramLabel = "URI", arity = "0..1", description = "The token (or give --token).")
        String address;

        @Mixin
        TokenAddress tokenAddress;

        @Option(names = "--alias", required = true, paramLabel = "ALIAS", description = "The credential's name.")
        String alias;

        @Option(names = "--chain", required = true, paramLabel = "FILE", description = "The chain, PEM or DER.")
        Path chainFile;

        @Option(names = "--usage", paramLabel = "USAGE", converter = UsageConverter.class,
                description = "node-authentication (default) or document-signing.")
        CredentialUsage usage = CredentialUsage.NODE_AUTHENTICATION;

        @Mixin
        PinOptions.User userPin;

        @Mixin
        PinOptions.Device deviceKey;

        @Override
        void run() throws Exception {
            List<X509Certificate> chain = SoftTokens.readCertificates(readInput(chainFile, "chain file"));
            try (PinReader pins = pins(); SecureToken token = open(tokenAddress.require(address))) {
                login(token, pins, userPin, deviceKey);
                Credential written = token.lifecycle().writeCredential(alias, chain, usage);
                long days = written.daysToExpiry(Clock.systemUTC());
                out().println("Imported '" + alias + "' (" + chain.size() + " certificate(s), "
                        + written.key().algorithm() + " key) into token '" + token.info().label() + "': "
                        + written.certificate().getSubjectX500Principal().getName() + ", " + days
                        + " days to expiry");
                if (days < TokenCommands.WARN_DAYS) {
                    err().println("warning: this certificate expires in " + days + " days (fewer than "
                            + TokenCommands.WARN_DAYS + ")");
                }
            }
        }
    }

    /** {@code cert export URI --alias A}. */
    @Command(name = "export", description = {"Export an alias's certificate (PEM by default). Needs no PIN."})
    static final class Export extends TokenAction {
        @Parameters(paramLabel = "URI", arity = "0..1", description = "The token (or give --token).")
        String address;

        @Mixin
        TokenAddress tokenAddress;

        @Option(names = "--alias", required = true, paramLabel = "ALIAS", description = "The credential's name.")
        String alias;

        @Option(names = "--out", paramLabel = "FILE", description = "Write here (default: standard output).")
        Path outFile;

        @Option(names = "--der", description = "Write the entity certificate as DER instead of PEM.")
        boolean der;

        @Option(names = "--chain", description = "Write the whole chain the token holds (PEM only).")
        boolean chain;

        @Override
        void run() throws Exception {
            if (der && chain) {
                throw new CliException(ExitCode.USAGE, "--der writes one certificate; use PEM for --chain");
            }
            try (SecureToken token = open(tokenAddress.require(address))) {
                Credential credential = token.credential(alias);
                if (der) {
                    writeOutput(outFile, encoded(credential.certificate()));
                    return;
                }
                StringBuilder pem = new StringBuilder();
                for (X509Certificate c : chain ? credential.chain() : List.of(credential.certificate())) {
                    pem.append(Pem.encode("CERTIFICATE", encoded(c)));
                }
                writeOutput(outFile, pem.toString());
            }
        }

        private static byte[] encoded(X509Certificate c) throws InvalidCertificateException {
            try {
                return c.getEncoded();
            } catch (CertificateEncodingException e) {
                throw new InvalidCertificateException("the stored certificate cannot be encoded", e);
            }
        }
    }

    /** Reads {@code node-authentication} / {@code NODE_AUTHENTICATION} style names of a {@link CredentialUsage}. */
    static final class UsageConverter implements ITypeConverter<CredentialUsage> {
        @Override
        public CredentialUsage convert(String value) {
            String name = value.trim().toUpperCase(Locale.ROOT).replace('-', '_');
            for (CredentialUsage u : CredentialUsage.values()) {
                if (u.name().equals(name)) {
                    return u;
                }
            }
            throw new TypeConversionException("'" + value + "' is not a usage; use node-authentication or "
                    + "document-signing");
        }
    }
}
