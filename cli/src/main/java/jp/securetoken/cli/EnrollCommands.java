package jp.securetoken.cli;

import java.net.URI;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import javax.security.auth.x500.X500Principal;

import jp.securetoken.api.Credential;
import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.SecureToken;
import jp.securetoken.lifecycle.node.EnrollmentException;
import jp.securetoken.lifecycle.node.NodeEnrollment;
import jp.securetoken.soft.SoftTokens;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code nodeauth enroll} and {@code nodeauth renew}: a node's credential from the issuing server, the key in the token. */
final class EnrollCommands {
    private EnrollCommands() {
    }

    static URI estAddress(String address) throws CliException {
        try {
            URI uri = URI.create(address);
            if (!"https".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null || uri.getPort() < 0) {
                throw new IllegalArgumentException();
            }
            return URI.create("https://" + uri.getHost() + ":" + uri.getPort());
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCode.USAGE, "--est is the issuing server's address, https://HOST:PORT");
        }
    }

    static X509Certificate anchor(Path file) throws CliException {
        if (file == null) {
            return null;
        }
        List<X509Certificate> certs;
        try {
            certs = SoftTokens.readCertificates(TokenAction.readInput(file, "issuer anchor file"));
        } catch (CliException e) {
            throw e;
        } catch (Exception e) {
            throw new CliException(ExitCode.BAD_INPUT, "the issuer anchor file " + file + " holds no certificate", e);
        }
        if (certs.size() != 1) {
            throw new CliException(ExitCode.BAD_INPUT, "the issuer anchor file " + file + " must hold one certificate");
        }
        return certs.get(0);
    }

    /** The exit code and message for an enrollment that stopped. */
    static CliException failed(EnrollmentException e) {
        ExitCode code = switch (e.kind()) {
            case SERVER_UNREACHABLE -> ExitCode.FAILURE;
            case SERVER_NOT_AUTHENTICATED -> ExitCode.PEER_REJECTED;
            case ANCHOR_MISMATCH, REFUSED, BAD_RESPONSE -> ExitCode.BAD_INPUT;
            case RETRY_LATER -> ExitCode.FAILURE;
        };
        return new CliException(code, e.getMessage() + "; the token's credentials are unchanged", e);
    }

    static void report(TokenAction action, String verb, Credential c) {
        X509Certificate cert = c.certificate();
        action.out().println(verb + " '" + c.alias() + "': " + cert.getSubjectX500Principal().getName() + ", serial "
                + cert.getSerialNumber().toString(16) + ", valid until " + cert.getNotAfter().toInstant());
    }

    /** {@code enroll --token URI --alias A --est https://HOST:PORT --issuer-anchor CA.pem --code C}. */
    @Command(name = "enroll", description = {"Enroll a credential from the issuing server (EST): the key pair is "
        + "generated and the request signed inside the token; the server is authenticated against the issuer anchor, "
        + "which the token keeps from its first enrollment; the chain is written atomically.",
        "The one-time code comes from the operator (issuer invite); give it with --code-env or --code-file, or be "
            + "prompted."})
    static final class Enroll extends TokenAction {
        @Option(names = "--token", required = true, paramLabel = "URI", description = "The node's token.")
        String token;

        @Option(names = "--alias", paramLabel = "ALIAS", description = "The credential's name (default: ${DEFAULT-VALUE}).")
        String alias = "node";

        @Option(names = "--est", required = true, paramLabel = "URL", description = "The issuing server, https://HOST:PORT.")
        String est;

        @Option(names = "--issuer-anchor", paramLabel = "PEM", description = "The issuing CA's certificate (needed "
                + "at the first enrollment; later it must be the one the token keeps).")
        Path issuerAnchor;

        @Option(names = "--code-env", paramLabel = "NAME", description = "Read the enrollment code from this "
                + "environment variable.")
        String codeEnv;

        @Option(names = "--code-file", paramLabel = "FILE", description = "Read the enrollment code from this file.")
        Path codeFile;

        @Option(names = "--subject", paramLabel = "DN", description = "The subject to ask for (default: the invited one).")
        String subject;

        @Option(names = "--algorithm", paramLabel = "ALG", description = "Key pair: ${COMPLETION-CANDIDATES} "
                + "(default: ${DEFAULT-VALUE}).")
        KeyAlgorithm algorithm = KeyAlgorithm.EC_P256;

        @Mixin
        PinOptions.User userPin;

        @Mixin
        PinOptions.Device deviceKey;

        /** The one-time code: from --code-env, --code-file or a prompt; never from the command line. */
        private char[] code() throws CliException {
            if (codeEnv != null && codeFile != null) {
                throw new CliException(ExitCode.USAGE, "give the enrollment code with --code-env or --code-file, not both");
            }
            String value = null;
            if (codeEnv != null) {
                value = System.getenv(codeEnv);
                if (value == null) {
                    throw new CliException(ExitCode.USAGE, "the environment variable " + codeEnv + " (--code-env) is"
                            + " not set");
                }
            } else if (codeFile != null) {
                String text = new String(readInput(codeFile, "enrollment code file"), java.nio.charset.StandardCharsets.UTF_8);
                value = text.lines().findFirst().orElse("").trim();
            } else if (System.console() != null) {
                char[] typed = System.console().readPassword("Enrollment code: ");
                if (typed == null || typed.length == 0) {
                    throw new CliException(ExitCode.USAGE, "no enrollment code was given");
                }
                return typed;
            } else {
                throw new CliException(ExitCode.USAGE, "there is no terminal to ask for the enrollment code; give "
                        + "--code-env NAME or --code-file FILE");
            }
            if (value.isBlank()) {
                throw new CliException(ExitCode.BAD_INPUT, "the enrollment code is empty");
            }
            return value.toCharArray();
        }

        @Override
        void run() throws Exception {
            URI address = estAddress(est);
            X509Certificate anchor = anchor(issuerAnchor);
            X500Principal name = subject == null ? null : IssuerCommands.principal(subject, "--subject");
            try (PinReader pins = pins(); SecureToken t = open(token)) {
                char[] code = code();
                try {
                    login(t, pins, userPin, deviceKey);
                    Credential c = withProgress("Enrolling", () -> NodeEnrollment.enroll(t, alias, algorithm, address,
                            anchor, code, name));
                    report(this, "Enrolled", c);
                } catch (EnrollmentException e) {
                    throw failed(e);
                } finally {
                    Arrays.fill(code, '\0');
                }
            }
        }
    }

    /** {@code renew --token URI --alias A}. */
    @Command(name = "renew", description = {"Renew a credential at the issuing server it came from, authenticated by "
        + "the current credential (mutual TLS), with a new key pair generated in the token by default.",
        "The current credential serves until the new one is written."})
    static final class Renew extends TokenAction {
        @Option(names = "--token", required = true, paramLabel = "URI", description = "The node's token.")
        String token;

        @Option(names = "--alias", paramLabel = "ALIAS", description = "The credential's name (default: ${DEFAULT-VALUE}).")
        String alias = "node";

        @Option(names = "--est", paramLabel = "URL", description = "The issuing server (default: the one the token "
                + "enrolled with).")
        String est;

        @Option(names = "--same-key", description = "Keep the current key; only the certificate is renewed.")
        boolean sameKey;

        @Mixin
        PinOptions.User userPin;

        @Mixin
        PinOptions.Device deviceKey;

        @Override
        void run() throws Exception {
            URI address = est == null ? null : estAddress(est);
            try (PinReader pins = pins(); SecureToken t = open(token)) {
                login(t, pins, userPin, deviceKey);
                try {
                    Credential c = withProgress("Renewing", () -> NodeEnrollment.renew(t, alias, address, null,
                            !sameKey));
                    report(this, "Renewed", c);
                } catch (EnrollmentException e) {
                    throw failed(e);
                }
            }
        }
    }
}
