package jp.securetoken.cli;

import static jp.securetoken.cli.CliTestSupport.expect;
import static jp.securetoken.cli.CliTestSupport.withPins;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jp.securetoken.testpki.HeldCertificate;
import jp.securetoken.testpki.TestPki;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A device without a person (JAHIS 7.2.2 b): its host key, made by {@code openssl genpkey}, is
 * enrolled in the software token once with the user PIN ({@code pin enrol-device-key}); afterwards
 * {@code --device-key FILE} logs the token in without any PIN, for {@code sign} and for an
 * unattended {@code serve}. Another key, or a token without an enrolment, is an authentication
 * failure (exit 3).
 */
class DeviceKeyCliTest {
    private static final Pattern LISTENING = Pattern.compile("Listening on 127\\.0\\.0\\.1:(\\d+) as .*");

    @TempDir
    static Path dir;
    static Path ca;
    static Path gateway;
    static Path clinic;
    static Path hostKey;
    static Path otherKey;
    static Path ecKey;

    @BeforeAll
    static void tokensAndKeys() throws Exception {
        TestPki pki = TestPki.create("Regional CA");
        ca = Files.writeString(dir.resolve("ca.pem"), HeldCertificate.pem(pki.caCertificate()));
        gateway = Tokens.node(dir.resolve("gateway.stk"), pki, "gateway", true);
        clinic = Tokens.node(dir.resolve("clinic.stk"), pki, "clinic-001", false);
        hostKey = openssl("host.key", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048");
        otherKey = openssl("other.key", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048");
        ecKey = openssl("ec.key", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256");
        Cli.Result enrolled = expect(0, withPins().run("pin", "enrol-device-key", "--token", "soft:" + gateway,
                "--key", hostKey, "--pin-env", "UPIN"));
        assertTrue(enrolled.out().startsWith("Enrolled the device key of " + hostKey + " in token 'gateway.stk'"),
                enrolled::toString);
    }

    private static Path openssl(String name, String... args) throws Exception {
        Path out = dir.resolve(name);
        List<String> command = new java.util.ArrayList<>(List.of("openssl", "genpkey", "-out", out.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "openssl genpkey did not finish");
        assertEquals(0, p.exitValue(), output);
        return out;
    }

    @Test
    void theEnrolledHostKeyLogsInWithoutAPinAndTheSignatureVerifies() throws Exception {
        Path document = Files.writeString(dir.resolve("report.txt"), "nightly report\n");
        Path p7s = dir.resolve("report.p7s");
        // no PIN anywhere: no --pin-env, no standard input, no terminal
        expect(0, new Cli().run("sign", "--token", "soft:" + gateway, "--alias", "node", "--in", document, "--out",
                p7s, "--device-key", hostKey));
        Process p = new ProcessBuilder("openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", p7s.toString(),
                "-content", document.toString(), "-CAfile", ca.toString(), "-purpose", "any", "-out", "/dev/null")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertTrue(out.contains("Verification successful"), out);
    }

    @Test
    void anUnattendedGatewayServesWithItsDeviceKey() throws Exception {
        try (Cli.Running server = new Cli().background("serve", "--token", gateway, "--alias", "node", "--ca", ca,
                "--port", "0", "--device-key", hostKey)) {
            Matcher listening = LISTENING.matcher(server.nextLine());
            assertTrue(listening.matches(), listening::toString);
            Cli.Result r = expect(0, withPins().stdin("hello\n").run("connect", "--token", clinic, "--alias", "node",
                    "--ca", ca, "--pin-env", "UPIN", "127.0.0.1:" + listening.group(1)));
            assertEquals("hello\n", r.out());
            assertTrue(server.nextLine().startsWith("authenticated clinic-001 ("));
        }
    }

    @Test
    void anotherKeyIsRefused() throws Exception {
        Cli.Result r = expect(3, new Cli().run("token", "info", "--token", "soft:" + gateway, "--device-key",
                otherKey));
        assertTrue(r.err().contains("The device key was refused: it is not the device key enrolled in this token"),
                r::toString);
        assertFalse(r.err().contains("Exception"), r::toString);
    }

    @Test
    void aTokenWithoutAnEnrolledKeySaysSo() throws Exception {
        Cli.Result r = expect(3, new Cli().run("token", "info", "--token", "soft:" + clinic, "--device-key", hostKey));
        assertTrue(r.err().contains("no device key is enrolled"), r::toString);
    }

    @Test
    void anEcdsaHostKeyCannotBeEnrolledInASoftwareToken() throws Exception {
        Cli.Result r = expect(6, withPins().run("pin", "enrol-device-key", "--token", "soft:" + clinic, "--key", ecKey,
                "--pin-env", "UPIN"));
        assertTrue(r.err().contains("holds an EC key; a software token takes RSA device keys"), r::toString);
    }
}
