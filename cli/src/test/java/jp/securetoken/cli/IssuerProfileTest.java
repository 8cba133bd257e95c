package jp.securetoken.cli;

import static jp.securetoken.cli.CliTestSupport.expect;
import static jp.securetoken.cli.CliTestSupport.withPins;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code issuer serve}'s certificate profile and CRL options as an operator uses them, every step a
 * nodeauth process: a server told {@code --validity-days 30 --eku clientAuth --crl-port 0} issues
 * what it was told (read by openssl), and after {@code issuer revoke} the CRL at the distribution
 * point the certificate names (fetched by curl) lists it. Bad values are usage errors.
 */
class IssuerProfileTest {
    private static final DateTimeFormatter OPENSSL_TIME = DateTimeFormatter.ofPattern("MMM ppd HH:mm:ss yyyy z",
            Locale.ENGLISH);

    @TempDir
    Path dir;

    /** Runs a tool of another implementation in the test's directory to its end; everything it printed. */
    private String tool(String debianPackage, String... command) throws Exception {
        Process p;
        try {
            p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException(command[0] + " is needed for this test (Debian package '" + debianPackage + "')", e);
        }
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8); // to its end
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), String.join(" ", command) + " did not exit");
        assertEquals(0, p.exitValue(), String.join(" ", command) + ": " + out);
        return out;
    }

    private static String group(String regex, String text) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), regex + " in: " + text);
        return m.group(1);
    }

    @Test
    void theServerIssuesWhatItIsToldAndPublishesTheRevocationAtTheNamedCrlAddress() throws Exception {
        Path issuerToken = Tokens.empty(dir.resolve("issuer.stk"), 5);
        Path state = dir.resolve("issuer-state");
        Path ca = dir.resolve("ca.pem");
        expect(0, withPins().run("issuer", "init", "--token", "soft:" + issuerToken, "--subject",
                "CN=Regional Network CA, O=Example Region, C=JP", "--server-name", "127.0.0.1", "--ca-out", ca,
                "--pin-env", "UPIN"));

        try (Cli.Running server = withPins().background("issuer", "serve", "--token", "soft:" + issuerToken,
                "--state", state, "--port", "0", "--validity-days", "30", "--eku", "clientAuth", "--key-usage",
                "digitalSignature,keyAgreement", "--crl-port", "0", "--pin-env", "UPIN")) {
            String est = group("listening on (https://127\\.0\\.0\\.1:\\d+)/", server.nextLine());
            String crlUrl = group("CRL distribution point of issued certificates: (http://127\\.0\\.0\\.1:\\d+/crl)",
                    server.nextLine());

            String code = expect(0, new Cli().run("issuer", "invite", "--state", state, "--subject",
                    "CN=clinic-030, O=Example Clinic, C=JP")).out().lines().skip(1).findFirst().orElseThrow().trim();
            Path node = Tokens.empty(dir.resolve("node.stk"), 5);
            Instant from = Instant.now().truncatedTo(ChronoUnit.SECONDS);
            Cli.Result enrolled = expect(0, withPins().env("CODE", code).run("enroll", "--token", "soft:" + node,
                    "--est", est, "--issuer-anchor", ca, "--code-env", "CODE", "--pin-env", "UPIN"));
            Instant to = Instant.now();
            String serial = group("serial ([0-9a-f]+)", enrolled.out());
            expect(0, new Cli().run("cert", "export", "soft:" + node, "--alias", "node", "--out",
                    dir.resolve("node.pem")));

            Instant notAfter = ZonedDateTime.parse(group("notAfter=(.+)", tool("openssl", "openssl", "x509", "-in",
                    "node.pem", "-noout", "-enddate")).trim(), OPENSSL_TIME).toInstant();
            assertFalse(notAfter.isBefore(from.plus(Duration.ofDays(30))), "--validity-days 30: " + notAfter);
            assertFalse(notAfter.isAfter(to.plus(Duration.ofDays(30))), "--validity-days 30: " + notAfter);
            String extensions = tool("openssl", "openssl", "x509", "-in", "node.pem", "-noout", "-ext",
                    "keyUsage,extendedKeyUsage,crlDistributionPoints");
            assertTrue(extensions.contains("TLS Web Client Authentication"), extensions);
            assertFalse(extensions.contains("TLS Web Server Authentication"), "--eku clientAuth only: " + extensions);
            assertTrue(extensions.contains("Digital Signature, Key Agreement"), extensions);
            assertTrue(extensions.contains("URI:" + crlUrl), extensions);

            expect(0, new Cli().run("issuer", "revoke", "--state", state, serial, "--reason", "token lost"));
            tool("curl", "curl", "-sS", "--fail", "--max-time", "20", "-o", "crl.der", crlUrl);
            String crl = tool("openssl", "openssl", "crl", "-inform", "DER", "-in", "crl.der", "-CAfile",
                    ca.toString(), "-noout", "-text");
            assertTrue(crl.contains("verify OK"), crl);
            assertTrue(crl.toLowerCase(Locale.ROOT).contains("serial number: "
                    + (serial.length() % 2 == 1 ? "0" : "") + serial), "serial " + serial + " listed: " + crl);
        }
    }

    @Test
    void aProfileOptionOutsideNodeAuthenticationIsAUsageError() throws Exception {
        Path issuerToken = Tokens.empty(dir.resolve("issuer.stk"), 5);
        Cli.Result eku = expect(2, withPins().run("issuer", "serve", "--token", "soft:" + issuerToken, "--state",
                dir.resolve("state"), "--port", "0", "--eku", "codeSigning", "--pin-env", "UPIN"));
        assertTrue(eku.err().contains("unknown extended key usage 'codeSigning'"), eku::toString);
        Cli.Result usage = expect(2, withPins().run("issuer", "serve", "--token", "soft:" + issuerToken, "--state",
                dir.resolve("state"), "--port", "0", "--key-usage", "keyCertSign", "--pin-env", "UPIN"));
        assertTrue(usage.err().contains("unknown key usage 'keyCertSign'"), usage::toString);
        Cli.Result url = expect(2, withPins().run("issuer", "serve", "--token", "soft:" + issuerToken, "--state",
                dir.resolve("state"), "--port", "0", "--crl-url", "ldap://directory/crl", "--pin-env", "UPIN"));
        assertTrue(url.err().contains("CRL distribution point is an http://"), url::toString);
    }
}
