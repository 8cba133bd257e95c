package jp.securetoken.cli;

import static jp.securetoken.cli.CliTestSupport.withPins;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jp.securetoken.testpki.HeldCertificate;
import jp.securetoken.testpki.TestPki;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;
import jp.securetoken.testsupport.ExternalTool;

/**
 * GnuTLS (Debian {@code gnutls-bin}) as the outside peer: {@code gnutls-cli} with a client certificate
 * against {@code nodeauth serve}, and {@code nodeauth connect} against {@code gnutls-serv}, which
 * demands and verifies our certificate; on the JDK and the native stack.
 */
class GnuTlsInteropTest {
    private static final Pattern LISTENING = Pattern.compile("Listening on 127\\.0\\.0\\.1:(\\d+) as .*");

    @TempDir
    static Path dir;
    static Path ca;
    static Path gateway;
    static Path clinic;

    @BeforeAll
    static void nodes() throws Exception {
        TestPki pki = TestPki.create("Regional CA");
        ca = Files.writeString(dir.resolve("ca.pem"), HeldCertificate.pem(pki.caCertificate()));
        gateway = Tokens.node(dir.resolve("gateway.stk"), pki, "gateway", true);
        clinic = Tokens.node(dir.resolve("clinic.stk"), pki, "clinic-001", false);
        write("gnutls-client", pki.issue("clinic-gnutls").clientAuth().build());
        write("gnutls-server", pki.issue("gnutls-gateway").serverAuth().build());
    }

    /** GnuTLS 3.7 does not read Java's PKCS#8 EC keys: the key goes to it in OpenSSL's traditional form. */
    private static void write(String name, HeldCertificate held) throws Exception {
        Files.writeString(dir.resolve(name + ".pem"), held.certificatePem());
        Path pkcs8 = Files.writeString(dir.resolve(name + ".p8"), held.privateKeyPem());
        Process p = new ProcessBuilder("openssl", "ec", "-in", pkcs8.toString(), "-out",
                dir.resolve(name + ".key").toString()).redirectErrorStream(true).start();
        p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
        assertTrue(p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0, "openssl ec converted " + name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"jdk", "openssl"})
    void gnutlsCliWithACertificateIsServedByServe(String stack) throws Exception {
        try (Cli.Running server = withPins().background("serve", "--token", gateway, "--alias", "node", "--ca", ca,
                "--port", "0", "--pin-env", "UPIN", "--stack", stack);
                ExternalTool client = tool("gnutls-cli", "--x509cafile", "ca.pem", "--x509certfile",
                        "gnutls-client.pem", "--x509keyfile", "gnutls-client.key", "--verify-hostname", "gateway",
                        "-p", String.valueOf(port(server)), "127.0.0.1")) {
            String seen = server.nextLine();
            assertTrue(seen.startsWith("authenticated clinic-gnutls (TLSv1.3, "), seen);
            client.send("hello from gnutls\n");
            client.awaitOutput("hello from gnutls");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"jdk", "openssl"})
    void gnutlsCliWithoutACertificateIsRefusedByServe(String stack) throws Exception {
        try (Cli.Running server = withPins().background("serve", "--token", gateway, "--alias", "node", "--ca", ca,
                "--port", "0", "--pin-env", "UPIN", "--stack", stack);
                ExternalTool client = tool("gnutls-cli", "--x509cafile", "ca.pem", "--verify-hostname", "gateway",
                        "-p", String.valueOf(port(server)), "127.0.0.1")) {
            client.send("anyone?\n");
            String seen = server.nextLine();
            assertTrue(seen.matches("refused /127\\.0\\.0\\.1:\\d+: PEER_REJECTED NO_CERTIFICATE: .*"), seen);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"jdk", "openssl"})
    void connectAuthenticatesToGnutlsServThatVerifiesIt(String stack) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        try (ExternalTool server = tool("gnutls-serv", "--echo", "--require-client-cert", "--verify-client-cert",
                "--x509cafile", "ca.pem", "--x509certfile", "gnutls-server.pem", "--x509keyfile", "gnutls-server.key",
                "-p", String.valueOf(port))) {
            server.awaitOutput("listening on IPv4");
            try (Cli.Running client = withPins().interactive("connect", "--token", clinic, "--alias", "node", "--ca",
                    ca, "--pin-env", "UPIN", "--stack", stack, "127.0.0.1:" + port)) {
                client.type("ping over gnutls\n");
                assertEquals("ping over gnutls", client.nextLine());
                assertEquals(0, client.closeInput());
            }
            server.awaitOutput("clinic-001");
        }
    }

    private static int port(Cli.Running server) throws Exception {
        String line = server.nextLine();
        Matcher m = LISTENING.matcher(line);
        assertTrue(m.matches(), line);
        return Integer.parseInt(m.group(1));
    }

    private static ExternalTool tool(String... command) throws IOException {
        return ExternalTool.start(dir, "gnutls-bin", command);
    }
}
