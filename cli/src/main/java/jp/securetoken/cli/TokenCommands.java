package jp.securetoken.cli;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import jp.securetoken.api.Credential;
import jp.securetoken.api.JahisCapability;
import jp.securetoken.api.LoginRequiredException;
import jp.securetoken.api.OperationNotSupportedException;
import jp.securetoken.api.PinRole;
import jp.securetoken.api.PinStatus;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.SecureTokens;
import jp.securetoken.api.SignatureScheme;
import jp.securetoken.api.TokenCapabilities;
import jp.securetoken.api.TokenDescriptor;
import jp.securetoken.api.TokenException;
import jp.securetoken.api.TokenInfo;
import jp.securetoken.api.TokenObject;
import jp.securetoken.soft.SoftTokenProvider;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nodeauth token list|info}: which tokens are present, and what one of them can do. */
@Command(name = "token", description = "List the tokens present, or show what one token can do.",
        subcommands = {TokenCommands.ListTokens.class, TokenCommands.Info.class})
final class TokenCommands extends NodeAuth.Group {
    /** Credentials closer than this to expiry are warned about (JPKI clients warn at about three months). */
    static final int WARN_DAYS = 90;
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'")
            .withZone(ZoneOffset.UTC);

    /** {@code token list}. */
    @Command(name = "list", description = {"List the tokens present, of every installed kind.",
        "Software tokens are the *.stk files of --soft-dir, else of the system property "
            + SoftTokenProvider.DIRECTORY_PROPERTY + ", else of $" + SoftTokenProvider.DIRECTORY_ENV + "."})
    static final class ListTokens extends TokenAction {
        @Option(names = "--soft-dir", paramLabel = "DIR", description = "Directory of software token files.")
        Path softDir;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        void run() {
            if (softDir != null) {
                System.setProperty(SoftTokenProvider.DIRECTORY_PROPERTY, softDir.toAbsolutePath().toString());
            }
            SecureTokens tokens = SecureTokens.discover();
            List<TokenDescriptor> present = tokens.list();
            if (json) {
                List<Object> items = new ArrayList<>();
                for (TokenDescriptor d : present) {
                    Map<String, Object> item = new LinkedHashMap<>();
                    item.put("uri", d.uri().toString());
                    item.put("label", d.label());
                    item.put("description", d.description());
                    items.add(item);
                }
                Map<String, Object> doc = new LinkedHashMap<>();
                doc.put("providers", tokens.providers().stream().map(p -> p.scheme()).toList());
                doc.put("tokens", items);
                out().println(Json.write(doc));
                return;
            }
            if (present.isEmpty()) {
                out().println("No tokens present (providers: " + String.join(", ",
                        tokens.providers().stream().map(p -> p.scheme() + ":").toList()) + ").");
                return;
            }
            for (TokenDescriptor d : present) {
                out().println(d.uri() + "  " + d.label() + "  (" + d.description() + ")");
            }
        }
    }

    /** {@code token info [--token] URI}. */
    @Command(name = "info", description = {"Show a token: its JAHIS capabilities with their M/C/O levels, "
        + "signature schemes, TLS versions it can serve, PIN status and credentials with days to expiry.",
        "Needs no PIN: a token whose credentials are private (PKCS#11) shows what it shows without login "
            + "(public certificates and keys with their CKA_ID and label, mechanisms, PIN flags); with "
            + "--pin-env, --pin-file or --login (asks for the PIN) it logs in and shows everything.",
        "Warns when a credential has fewer than " + WARN_DAYS + " days left."})
    static final class Info extends TokenAction {
        @Parameters(paramLabel = "URI", arity = "0..1", description = "The token (or give --token): "
                + "soft:/path/node.stk, a .stk file, jpki:..., pkcs11:...")
        String address;

        @Mixin
        TokenAddress tokenAddress;

        @Mixin
        PinOptions.User userPin;

        @Mixin
        PinOptions.Device deviceKey;

        @Option(names = "--login", description = "Log in first (asks for the user PIN unless --pin-env or "
                + "--pin-file gives it), to show private objects too.")
        boolean login;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Option(names = "--ca-pin", paramLabel = "SHA256", description = {"A SHA-256 fingerprint (hex, colons "
            + "optional) the token's CA certificates must match, e.g. the one J-LIS publishes for the My Number "
            + "Card's CA; repeatable. A CA certificate matching none: exit 5."})
        List<String> caPins = new ArrayList<>();

        @Override
        void run() throws Exception {
            List<String> fingerprints = CaFingerprints.normalise(caPins);
            boolean logIn = login || userPin.env != null || userPin.file != null || deviceKey.file != null;
            try (PinReader pins = pins(); SecureToken token = open(tokenAddress.require(address))) {
                if (logIn) {
                    login(token, pins, userPin, deviceKey);
                }
                Map<String, Object> doc = describe(token, Clock.systemUTC());
                List<Map<String, Object>> cas = CaFingerprints.check(token, fingerprints);
                doc.put("caCertificates", cas);
                if (json) {
                    out().println(Json.write(doc));
                } else {
                    printText(token, doc);
                    CaFingerprints.print(out(), cas, !fingerprints.isEmpty());
                }
                warn(doc);
                CaFingerprints.requirePinned(cas, !fingerprints.isEmpty());
            }
        }

        private void warn(Map<String, Object> doc) {
            for (Object c : (List<?>) doc.get("credentials")) {
                Map<?, ?> credential = (Map<?, ?>) c;
                if (Boolean.TRUE.equals(credential.get("expiryWarning"))) {
                    long days = (Long) credential.get("daysToExpiry");
                    err().println("warning: credential '" + credential.get("alias") + "' "
                            + (days < 0 ? "has expired" : "expires in " + days + (days == 1 ? " day" : " days"))
                            + " (fewer than " + WARN_DAYS + "); renew it: keygen, csr, cert import");
                }
            }
            err().flush();
        }

        private void printText(SecureToken token, Map<String, Object> doc) {
            var out = out();
            TokenInfo info = token.info();
            out.printf("Token         %s%n", info.label());
            out.printf("URI           %s%n", info.uri());
            out.printf("Manufacturer  %s%n", info.manufacturer());
            out.printf("Model         %s%n", info.model());
            out.printf("Serial        %s%n", info.serialNumber());
            out.println();
            out.println("JAHIS capabilities (JAHIS 7.2; level: M mandatory, C conditional, O optional)");
            out.printf("  %-10s %-7s %-5s %-42s %s%n", "phase", "clause", "level", "capability", "present");
            TokenCapabilities caps = token.capabilities();
            for (Object o : (List<?>) doc.get("capabilities")) {
                Map<?, ?> c = (Map<?, ?>) o;
                out.printf("  %-10s %-7s %-5s %-42s %s%n", c.get("phase"), c.get("clause"), c.get("level"), c.get("name"),
                        Boolean.TRUE.equals(c.get("present")) ? "yes" : "no");
            }
            for (JahisCapability.Phase phase : JahisCapability.Phase.values()) {
                Set<JahisCapability> missing = caps.missingMandatory(phase);
                if (!missing.isEmpty()) {
                    out.println("  Lacks mandatory " + phase.displayName() + " capabilities: "
                            + String.join(", ", missing.stream().map(JahisCapability::displayName).toList()));
                }
            }
            for (JahisCapability c : JahisCapability.values()) {
                caps.whyAbsent(c).ifPresent(reason -> out.println("  No " + c.displayName() + ": " + reason));
            }
            out.println();
            out.println("Signature schemes  " + String.join(", ", schemeNames(token.signatureSchemes())));
            Map<?, ?> tls = (Map<?, ?>) doc.get("tls");
            out.println("TLS                " + tls.get("summary"));
            for (Object p : (List<?>) doc.get("pins")) {
                Map<?, ?> pin = (Map<?, ?>) p;
                out.printf("%-18s %s%n", capitalised(String.valueOf(pin.get("role"))), pinText(pin));
            }
            printDevice(doc);
            out.println();
            List<?> credentials = (List<?>) doc.get("credentials");
            if (doc.containsKey("credentialsNeedLogin")) {
                out.println("Credentials        not shown: private objects need the user PIN; give --pin-env NAME, "
                        + "--pin-file FILE or --login to log in and show them");
            } else {
                out.println("Credentials (" + credentials.size() + ")");
            }
            for (Object c : credentials) {
                Map<?, ?> cred = (Map<?, ?>) c;
                out.printf("  %s  (%s, %s key)%n", cred.get("alias"), cred.get("usage"), cred.get("keyAlgorithm"));
                out.printf("    subject    %s%n", cred.get("subject"));
                out.printf("    issuer     %s%n", cred.get("issuer"));
                out.printf("    serial     %s%n", cred.get("serial"));
                long days = (Long) cred.get("daysToExpiry");
                out.printf("    not after  %s  (%s)%s%n", cred.get("notAfterText"),
                        days < 0 ? "expired" : days + (days == 1 ? " day left" : " days left"),
                        Boolean.TRUE.equals(cred.get("expiryWarning")) ? "  WARNING: renew soon" : "");
                out.printf("    chain      %s certificate(s); TLS %s%n", cred.get("chainLength"),
                        Boolean.TRUE.equals(cred.get("tls13")) ? "1.3 and 1.2" : "1.2 only");
            }
        }

        private void printDevice(Map<String, Object> doc) {
            var out = out();
            Map<?, ?> device = (Map<?, ?>) doc.get("device");
            for (Map.Entry<?, ?> e : device.entrySet()) {
                List<?> values = (List<?>) e.getValue();
                if (e.getKey().equals("mechanisms")) {
                    out.println("Mechanisms (" + values.size() + ")");
                    values.forEach(v -> out.println("  " + v));
                } else {
                    out.printf("%-18s %s%n", capitalised(String.valueOf(e.getKey())),
                            values.isEmpty() ? "(none)" : String.join(", ", values.stream().map(String::valueOf)
                                    .toList()));
                }
            }
            if (!doc.containsKey("objects")) {
                return;
            }
            List<?> objects = (List<?>) doc.get("objects");
            out.println();
            out.println(Boolean.TRUE.equals(doc.get("loggedIn")) ? "Objects (" + objects.size() + ")"
                    : "Objects readable without login (" + objects.size() + "); private objects need the user PIN");
            for (Object o : objects) {
                Map<?, ?> object = (Map<?, ?>) o;
                out.printf("  %-12s label '%s'  id %s%s%s%n", object.get("kind"), object.get("label"),
                        String.valueOf(object.get("id")).isEmpty() ? "(none)" : object.get("id"),
                        String.valueOf(object.get("keyType")).isEmpty() ? "" : "  " + object.get("keyType"),
                        Boolean.TRUE.equals(object.get("private")) ? "  private" : "");
                if (object.containsKey("subject")) {
                    out.printf("               subject %s; issuer %s%n", object.get("subject"), object.get("issuer"));
                }
            }
        }

        private static String pinText(Map<?, ?> pin) {
            if (pin.containsKey("error")) {
                return "unknown (" + pin.get("error") + ")";
            }
            if (Boolean.TRUE.equals(pin.get("locked"))) {
                return "LOCKED";
            }
            if ((Integer) pin.get("retriesLeft") < 0) {
                return "not locked; the token does not tell how many tries are left";
            }
            int max = (Integer) pin.get("maxRetries");
            return pin.get("retriesLeft") + (max < 0 ? "" : " of " + max) + " tries left";
        }
    }

    /** The facts {@code token info} shows, as a JSON-ready tree. */
    static Map<String, Object> describe(SecureToken token, Clock clock) throws TokenException {
        TokenInfo info = token.info();
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("uri", info.uri() == null ? null : info.uri().toString());
        doc.put("label", info.label());
        doc.put("manufacturer", info.manufacturer());
        doc.put("model", info.model());
        doc.put("serialNumber", info.serialNumber());
        List<Object> capabilities = new ArrayList<>();
        TokenCapabilities caps = token.capabilities();
        for (JahisCapability.Phase phase : JahisCapability.Phase.values()) {
            for (JahisCapability c : JahisCapability.values()) {
                if (c.level(phase).isEmpty()) {
                    continue;
                }
                Map<String, Object> cap = new LinkedHashMap<>();
                cap.put("id", c.name());
                cap.put("name", c.displayName());
                cap.put("japaneseName", c.japaneseName());
                cap.put("phase", phase.displayName());
                cap.put("clause", c.clause(phase).orElseThrow());
                cap.put("level", c.level(phase).orElseThrow().letter());
                cap.put("present", caps.supports(c));
                caps.whyAbsent(c).ifPresent(reason -> cap.put("absentBecause", reason));
                capabilities.add(cap);
            }
        }
        doc.put("capabilities", capabilities);
        doc.put("signatureSchemes", schemeNames(token.signatureSchemes()));
        doc.put("tls", tls(token.signatureSchemes()));
        List<Object> pins = new ArrayList<>();
        for (PinRole role : PinRole.values()) {
            Map<String, Object> pin = new LinkedHashMap<>();
            pin.put("role", role.displayName());
            try {
                PinStatus s = token.pinStatus(role);
                pin.put("retriesLeft", s.retriesLeft());
                pin.put("maxRetries", s.maxRetries());
                pin.put("locked", s.locked());
            } catch (TokenException e) {
                pin.put("error", e.getMessage());
            }
            pins.add(pin);
        }
        doc.put("pins", pins);
        doc.put("loggedIn", token.isLoggedIn());
        doc.put("device", token.deviceDetails());
        List<Credential> present;
        try {
            present = token.credentials();
        } catch (LoginRequiredException e) {
            present = List.of();
            doc.put("credentialsNeedLogin", true);
        }
        try {
            doc.put("objects", objects(token.objects()));
        } catch (OperationNotSupportedException e) {
            // this kind of token shows its contents as credentials only
        }
        List<Object> credentials = new ArrayList<>();
        for (Credential c : present) {
            X509Certificate cert = c.certificate();
            long days = c.daysToExpiry(clock);
            Map<String, Object> cred = new LinkedHashMap<>();
            cred.put("alias", c.alias());
            cred.put("usage", c.usage().name().toLowerCase(Locale.ROOT).replace('_', ' '));
            cred.put("keyAlgorithm", c.key().algorithm());
            cred.put("subject", cert.getSubjectX500Principal().getName());
            cred.put("issuer", cert.getIssuerX500Principal().getName());
            cred.put("serial", cert.getSerialNumber().toString(16));
            cred.put("notAfter", c.notAfter().toString());
            cred.put("notAfterText", DATE.format(c.notAfter()));
            cred.put("daysToExpiry", days);
            cred.put("expiryWarning", c.expiresWithin(clock, WARN_DAYS));
            cred.put("chainLength", c.chain().size());
            cred.put("tls13", c.key().signatureSchemes().stream().anyMatch(SignatureScheme::allowedInTls13));
            credentials.add(cred);
        }
        doc.put("credentials", credentials);
        return doc;
    }

    private static List<Object> objects(List<TokenObject> objects) {
        List<Object> out = new ArrayList<>();
        for (TokenObject o : objects) {
            Map<String, Object> object = new LinkedHashMap<>();
            object.put("kind", o.kind().displayName());
            object.put("label", o.label());
            object.put("id", o.idHex());
            object.put("keyType", o.keyType());
            object.put("private", o.privateObject());
            o.certificateValue().ifPresent(cert -> {
                object.put("subject", cert.getSubjectX500Principal().getName());
                object.put("issuer", cert.getIssuerX500Principal().getName());
                object.put("notAfter", cert.getNotAfter().toInstant().toString());
            });
            out.add(object);
        }
        return out;
    }

    private static Map<String, Object> tls(Set<SignatureScheme> schemes) {
        boolean tls13 = schemes.stream().anyMatch(SignatureScheme::allowedInTls13);
        Map<String, Object> tls = new LinkedHashMap<>();
        tls.put("tls13", tls13);
        tls.put("versions", tls13 ? List.of("TLSv1.3", "TLSv1.2") : List.of("TLSv1.2"));
        String summary;
        if (tls13) {
            Set<SignatureScheme> allowed = EnumSet.noneOf(SignatureScheme.class);
            schemes.stream().filter(SignatureScheme::allowedInTls13).forEach(allowed::add);
            summary = "TLS 1.3 and TLS 1.2 (signs " + String.join(", ", schemeNames(allowed))
                    + ", which TLS 1.3 allows)";
        } else if (schemes.isEmpty()) {
            summary = "none: the token computes no signature scheme";
        } else {
            summary = "TLS 1.2 only: the token signs only " + String.join(", ", schemeNames(schemes))
                    + ", which TLS 1.3 forbids in CertificateVerify (RFC 8446 section 4.4.3)";
        }
        tls.put("summary", summary);
        return tls;
    }

    private static List<String> schemeNames(Set<SignatureScheme> schemes) {
        return List.copyOf(new TreeSet<>(schemes.stream().map(SignatureScheme::tlsName).toList()));
    }

    private static String capitalised(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
