package jp.securetoken.cli;

import static jp.securetoken.cli.CliTestSupport.expect;
import static jp.securetoken.cli.CliTestSupport.withPins;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jp.securetoken.testpki.HeldCertificate;
import jp.securetoken.testpki.TestPki;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import jp.securetoken.testsupport.ExternalTool;

/**
 * {@code serve --ticket-keys}: two gateway processes of one fleet share a key directory, and a client
 * that met one resumes its TLS 1.3 session at the other. openssl s_client carries the session from one
 * to the other ({@code -sess_out}, {@code -sess_in}) and says {@code Reused}: a resumed TLS 1.3
 * handshake has no Certificate and no CertificateVerify from the server, so the second gateway's token
 * made no signature. A gateway with other keys cannot open the fleet's ticket (full handshake, {@code New}).
 */
class ServeTicketKeysTest {
    private static final Pattern LISTENING = Pattern.compile("Listening on 127\\.0\\.0\\.1:(\\d+) as .*");

    @TempDir
    static Path dir;
    static Path ca;
    static Path gatewayA;
    static Path gatewayB;
    static Path stranger;
    static Path fleetKeys;
    static Path otherKeys;

    @BeforeAll
    static void nodes() throws Exception {
        TestPki pki = TestPki.create("Regional CA");
        ca = Files.writeString(dir.resolve("ca.pem"), HeldCertificate.pem(pki.caCertificate()));
        // each instance has its own token (a soft token file is opened by one process at a time)
        gatewayA = Tokens.node(dir.resolve("gateway-a.stk"), pki, "gateway-a", true);
        gatewayB = Tokens.node(dir.resolve("gateway-b.stk"), pki, "gateway-b", true);
        stranger = Tokens.node(dir.resolve("stranger.stk"), pki, "stranger", true);
        HeldCertificate clinic = pki.issue("clinic-openssl").clientAuth().build();
        Files.writeString(dir.resolve("clinic.pem"), clinic.certificatePem());
        Files.writeString(dir.resolve("clinic.key"), clinic.privateKeyPem());
        fleetKeys = Files.createDirectory(dir.resolve("fleet-keys"));
        otherKeys = Files.createDirectory(dir.resolve("other-keys"));
        for (Path keys : List.of(fleetKeys, otherKeys)) {
            Path key = Files.write(keys.resolve("2026-12-01T0800.key"), random48());
            Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        }
    }

    @Test
    void aClientResumesAtTheOtherInstanceOfTheFleetAndNotAtAStranger() throws Exception {
        try (Cli.Running a = serve(gatewayA, "--stack", "openssl", "--ticket-keys", fleetKeys);
                Cli.Running b = serve(gatewayB, "--stack", "openssl", "--ticket-keys", fleetKeys);
                Cli.Running c = serve(stranger, "--stack", "openssl", "--ticket-keys", otherKeys)) {
            int portA = port(a);
            int portB = port(b);
            int portStranger = port(c);

            String first = visit(portA, "-sess_out", "session.pem");
            assertTrue(first.contains("New, TLSv1.3"), first);
            String seenA = a.nextLine();
            assertTrue(seenA.startsWith("authenticated clinic-openssl (TLSv1.3, "), seenA);

            String atB = visit(portB, "-sess_in", "session.pem");
            assertTrue(atB.contains("Reused, TLSv1.3"), "gateway B resumed the session A began:\n" + atB);
            String seen = b.nextLine();
            assertTrue(seen.startsWith("authenticated clinic-openssl (TLSv1.3, "), seen);

            String atStranger = visit(portStranger, "-sess_in", "session.pem");
            assertTrue(atStranger.contains("New, TLSv1.3"), "other keys open no fleet ticket:\n" + atStranger);
            String seenC = c.nextLine();
            assertTrue(seenC.startsWith("authenticated clinic-openssl (TLSv1.3, "), seenC);
        }
    }

    @Test
    void ticketKeysOnAStackThatCannotShareThemAreAUsageError() throws Exception {
        Cli.Result r = expect(2, withPins().run(serveArgs(gatewayA, "--ticket-keys", fleetKeys).toArray()));
        assertTrue(r.err().contains("--ticket-keys needs --stack openssl"), r::toString);
    }

    @Test
    void aKeyFileOfTheWrongSizeIsBadInputNamingTheFile() throws Exception {
        Path shortKey = Files.write(dir.resolve("short.key"), new byte[32]);
        Cli.Result r = expect(6, withPins().run(serveArgs(gatewayA, "--stack", "openssl", "--ticket-keys", shortKey)
                .toArray()));
        assertTrue(r.err().contains("short.key holds 32 bytes; it must hold exactly 48"), r::toString);
        r = expect(6, withPins().run(serveArgs(gatewayA, "--stack", "openssl", "--ticket-keys", dir.resolve("absent"))
                .toArray()));
        assertTrue(r.err().contains("absent: no such file or directory"), r::toString);
    }

    /** One s_client connection that sends a line and waits for its echo (the session tickets come before it). */
    private static String visit(int port, String... sessionOption) throws Exception {
        List<String> command = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port,
                "-CAfile", "ca.pem", "-cert", "clinic.pem", "-key", "clinic.key"));
        command.addAll(List.of(sessionOption));
        try (ExternalTool client = ExternalTool.start(dir, "openssl", command.toArray(new String[0]))) {
            client.send("echo-me-" + port + "\n");
            client.awaitOutput("echo-me-" + port);
            assertEquals(0, client.closeInput(), client::output);
            return client.output();
        }
    }

    private static Cli.Running serve(Path token, Object... extra) throws Exception {
        return withPins().background(serveArgs(token, extra).toArray());
    }

    private static List<Object> serveArgs(Path token, Object... extra) {
        List<Object> args = new ArrayList<>(List.of("serve", "--token", token, "--alias", "node", "--ca", ca,
                "--port", "0", "--pin-env", "UPIN"));
        args.addAll(List.of(extra));
        return args;
    }

    private static int port(Cli.Running server) throws Exception {
        String line = server.nextLine();
        Matcher m = LISTENING.matcher(line);
        assertTrue(m.matches(), line);
        return Integer.parseInt(m.group(1));
    }

    private static byte[] random48() {
        byte[] key = new byte[48];
        new SecureRandom().nextBytes(key);
        return key;
    }
}
