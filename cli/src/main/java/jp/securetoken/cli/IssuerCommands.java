package jp.securetoken.cli;

import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.security.auth.x500.X500Principal;

import jp.securetoken.api.SecureToken;
import jp.securetoken.lifecycle.issuer.CertificateProfile;
import jp.securetoken.lifecycle.issuer.EstServer;
import jp.securetoken.lifecycle.issuer.IssuerSetup;
import jp.securetoken.lifecycle.issuer.IssuerState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nodeauth issuer init|serve|invite|list|revoke}: the regional network operator's issuing server. */
@Command(name = "issuer", description = "Run the issuing server (EST, RFC 7030) whose CA key is in a token, invite "
        + "nodes, list what was issued, revoke.", subcommands = {IssuerCommands.Init.class, IssuerCommands.Serve.class,
            IssuerCommands.Invite.class, IssuerCommands.ListIssued.class, IssuerCommands.Revoke.class})
final class IssuerCommands extends NodeAuth.Group {

    static X500Principal principal(String name, String option) throws CliException {
        try {
            return new X500Principal(name);
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCode.USAGE, option + " is not a distinguished name like \"CN=clinic-001, O=Example"
                    + " Clinic, C=JP\"");
        }
    }

    static IssuerState state(Path dir) throws CliException {
        try {
            return IssuerState.open(dir);
        } catch (IOException e) {
            throw new CliException(ExitCode.FAILURE, "the state directory " + dir + " cannot be used ("
                    + e.getClass().getSimpleName() + ")", e);
        }
    }

    static String sha256(X509Certificate c) throws Exception {
        return HexFormat.ofDelimiter(":").withUpperCase().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(c.getEncoded()));
    }

    /** {@code issuer init --token URI --subject DN --server-name NAME}. */
    @Command(name = "init", description = {"Generate the CA key in the token with a self-signed CA certificate "
        + "(credential 'ca'), and the server's TLS key with a certificate from that CA (credential 'tls').",
        "Writes the CA certificate, the issuer anchor nodes enroll against, to --ca-out."})
    static final class Init extends TokenAction {
        @Option(names = "--token", required = true, paramLabel = "URI", description = "The issuing server's token.")
        String token;

        @Option(names = "--subject", required = true, paramLabel = "DN", description = "The CA's name.")
        String subject;

        @Option(names = "--server-name", required = true, paramLabel = "NAME",
                description = "A DNS name or IP address nodes reach the server by (repeatable).")
        List<String> serverNames;

        @Option(names = "--validity-days", paramLabel = "DAYS", description = "CA validity (default: ${DEFAULT-VALUE}).")
        int validityDays = 3650;

        @Option(names = "--ca-out", required = true, paramLabel = "FILE", description = "Write the CA certificate (PEM).")
        Path caOut;

        @Mixin
        PinOptions.User userPin;

        @Mixin
        PinOptions.Device deviceKey;

        @Override
        void run() throws Exception {
            X500Principal name = principal(subject, "--subject");
            try (PinReader pins = pins(); SecureToken t = open(token)) {
                login(t, pins, userPin, deviceKey);
                X509Certificate ca = withProgress("Generating the CA and TLS keys", () -> IssuerSetup.initialise(t,
                        name, Duration.ofDays(validityDays), serverNames, Clock.systemUTC()));
                writeOutput(caOut, Pem.encode("CERTIFICATE", ca.getEncoded()));
                out().println("CA " + ca.getSubjectX500Principal().getName() + " in token '" + t.info().label() + "'");
                out().println("SHA-256 " + sha256(ca));
                out().println("Wrote the CA certificate (the nodes' issuer anchor) to " + caOut);
            }
        }
    }

    /** {@code issuer serve --token URI --state DIR --port P}. */
    @Command(name = "serve", description = {"Serve EST over TLS: /.well-known/est/cacerts, simpleenroll (with an "
        + "enrollment code), simplereenroll (with the current certificate), csrattrs, and /crl.",
        "Runs until stopped (Ctrl-C)."})
    static final class Serve extends TokenAction {
        @Option(names = "--token", required = true, paramLabel = "URI", description = "The issuing server's token.")
        String token;

        @Option(names = "--state", required = true, paramLabel = "DIR", description = "The issuer's records.")
        Path stateDir;

        @Option(names = "--port", required = true, paramLabel = "PORT", description = "Port (0: any, printed).")
        int port;

        @Option(names = "--bind", paramLabel = "ADDRESS", description = "Address (default: ${DEFAULT-VALUE}).")
        String bind = "127.0.0.1";

        @Option(names = "--validity-days", paramLabel = "DAYS",
                description = "Validity of issued certificates (default: ${DEFAULT-VALUE}).")
        int validityDays = 365;

        @Option(names = "--key-usage", split = ",", paramLabel = "USAGE", description = {"keyUsage of issued "
            + "certificates, comma-separated: digitalSignature (always), nonRepudiation, keyEncipherment (RSA keys), "
            + "keyAgreement (EC keys). Default: digitalSignature,keyEncipherment."})
        List<String> keyUsage = new ArrayList<>();

        @Option(names = "--eku", split = ",", paramLabel = "PURPOSE", description = "extendedKeyUsage of issued "
                + "certificates, comma-separated: clientAuth, serverAuth. Default: clientAuth,serverAuth.")
        List<String> extendedKeyUsage = new ArrayList<>();

        @Option(names = "--crl-port", paramLabel = "PORT", description = "Also serve the CRL over plain HTTP "
                + "(GET /crl) on this port of --bind (0: any, printed); issued certificates then name "
                + "http://HOST:PORT/crl.")
        Integer crlPort;

        @Option(names = "--crl-url", paramLabel = "URL", description = "The CRL distribution point issued "
                + "certificates name (default: this server's own /crl address).")
        String crlUrl;

        @Option(names = "--allow-unbound-requests", description = "Accept requests without the TLS channel binding "
                + "(for clients such as curl that cannot add it; the enrollment code or certificate still authorises).")
        boolean allowUnbound;

        @Mixin
        LimitOptions limits;

        @Mixin
        PinOptions.User userPin;

        @Mixin
        PinOptions.Device deviceKey;

        @Override
        void run() throws Exception {
            CertificateProfile profile = profile(); // a bad option is refused before the PIN is asked
            IssuerState state = state(stateDir);
            var connectionLimits = limits.limits();
            try (PinReader pins = pins(); SecureToken t = open(token)) {
                login(t, pins, userPin, deviceKey);
                CountDownLatch stopped = new CountDownLatch(1);
                EstServer.Builder builder = EstServer.builder(t, state).bind(bind, port).profile(profile)
                        .requireChannelBinding(!allowUnbound).connectionLimits(connectionLimits);
                if (crlPort != null) {
                    builder.crlPort(crlPort);
                }
                try (EstServer server = builder.start()) {
                    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                        stopped.countDown();
                        server.close();
                    }, "nodeauth-issuer-stop"));
                    out().println("EST issuing server listening on " + server.uri() + EstServer.PREFIX
                            + (allowUnbound ? " (requests without channel binding accepted)" : "")
                            + "; limits: " + server.connectionLimits());
                    out().println("CRL distribution point of issued certificates: "
                            + server.crlDistributionPoint().map(Object::toString).orElse("none"));
                    out().flush();
                    stopped.await();
                }
            }
        }

        /** The certificate profile the options describe; a bad value is a usage error. */
        CertificateProfile profile() throws CliException {
            if (validityDays < 1) {
                throw new CliException(ExitCode.USAGE, "--validity-days must be at least 1");
            }
            if (crlPort != null && (crlPort < 0 || crlPort > 65535)) {
                throw new CliException(ExitCode.USAGE, "--crl-port is a port, 0..65535");
            }
            CertificateProfile p = CertificateProfile.defaults().withValidity(Duration.ofDays(validityDays));
            try {
                if (!keyUsage.isEmpty()) {
                    Set<CertificateProfile.Usage> usages = EnumSet.of(CertificateProfile.Usage.DIGITAL_SIGNATURE);
                    keyUsage.forEach(u -> usages.add(CertificateProfile.Usage.named(u)));
                    p = p.withKeyUsage(usages);
                }
                if (!extendedKeyUsage.isEmpty()) {
                    Set<CertificateProfile.Purpose> purposes = EnumSet.noneOf(CertificateProfile.Purpose.class);
                    extendedKeyUsage.forEach(e -> purposes.add(CertificateProfile.Purpose.named(e)));
                    p = p.withExtendedKeyUsage(purposes);
                }
                if (crlUrl != null) {
                    p = p.withCrlDistributionPoint(URI.create(crlUrl));
                }
            } catch (IllegalArgumentException e) {
                throw new CliException(ExitCode.USAGE, e.getMessage());
            }
            return p;
        }
    }

    /** {@code issuer invite --state DIR --subject DN}. */
    @Command(name = "invite", description = {"Make a one-time enrollment code for one node's subject.",
        "Hand the code to the clinic by a separate channel; it is printed once and stored only as a hash."})
    static final class Invite extends TokenAction {
        @Option(names = "--state", required = true, paramLabel = "DIR", description = "The issuer's records.")
        Path stateDir;

        @Option(names = "--subject", required = true, paramLabel = "DN", description = "The node's subject.")
        String subject;

        @Option(names = "--dns", paramLabel = "NAME", description = "A DNS name for the certificate (repeatable).")
        List<String> dns = new ArrayList<>();

        @Option(names = "--valid-days", paramLabel = "DAYS", description = "How long the code works (default: "
                + "${DEFAULT-VALUE}).")
        int validDays = 7;

        @Override
        void run() throws Exception {
            X500Principal name = principal(subject, "--subject");
            String code = state(stateDir).invite(name, dns, Duration.ofDays(validDays));
            out().println("Enrollment code for " + name.getName() + " (valid " + validDays + " days, once):");
            out().println(code);
        }
    }

    /** {@code issuer list --state DIR}. */
    @Command(name = "list", description = "List the certificates issued, with their status.")
    static final class ListIssued extends TokenAction {
        @Option(names = "--state", required = true, paramLabel = "DIR", description = "The issuer's records.")
        Path stateDir;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        void run() throws Exception {
            List<IssuerState.Issued> issued = state(stateDir).issued();
            DateTimeFormatter f = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneOffset.UTC);
            if (json) {
                List<Object> items = new ArrayList<>();
                for (IssuerState.Issued i : issued) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("serial", i.serial().toString(16));
                    m.put("subject", i.subject().getName());
                    m.put("issuedAt", i.issuedAt().toString());
                    m.put("notAfter", i.notAfter().toString());
                    m.put("authorisedBy", i.authorisedBy());
                    m.put("revoked", i.revokedAt().isPresent());
                    items.add(m);
                }
                out().println(Json.write(Map.of("issued", items)));
                return;
            }
            out().println(issued.size() + " certificate(s) issued");
            for (IssuerState.Issued i : issued) {
                out().printf("%s  %s  issued %s  until %s  %s%s%n", i.serial().toString(16), i.subject().getName(),
                        f.format(i.issuedAt()), f.format(i.notAfter()), i.authorisedBy(),
                        i.revokedAt().map(r -> "  REVOKED " + f.format(r)).orElse(""));
            }
        }
    }

    /** {@code issuer revoke --state DIR SERIAL}. */
    @Command(name = "revoke", description = "Revoke an issued certificate; the running server publishes a new CRL "
            + "at /crl within seconds.")
    static final class Revoke extends TokenAction {
        @Option(names = "--state", required = true, paramLabel = "DIR", description = "The issuer's records.")
        Path stateDir;

        @Parameters(paramLabel = "SERIAL", description = "The certificate's serial number (hex, as issuer list shows).")
        String serial;

        @Option(names = "--reason", paramLabel = "TEXT", description = "Why (kept in the audit log).")
        String reason = "unspecified";

        @Override
        void run() throws Exception {
            BigInteger number;
            try {
                number = new BigInteger(serial.replace(":", ""), 16);
            } catch (NumberFormatException e) {
                throw new CliException(ExitCode.USAGE, "the serial is a hexadecimal number, as issuer list shows it");
            }
            if (!state(stateDir).revoke(number, reason)) {
                throw new CliException(ExitCode.BAD_INPUT, "no certificate with serial " + number.toString(16)
                        + " was issued here");
            }
            out().println("Revoked " + number.toString(16) + "; the server publishes the new CRL within seconds.");
        }
    }
}
