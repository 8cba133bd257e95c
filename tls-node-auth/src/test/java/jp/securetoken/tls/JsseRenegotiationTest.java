package jp.securetoken.tls;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.SecureToken;
import jp.securetoken.testpki.HeldCertificate;
import jp.securetoken.testsupport.InstrumentedKey;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import jp.securetoken.testsupport.ExternalTool;

/**
 * Renegotiation on plain-JSSE sockets from {@link NodeTlsBuilder#buildJsse()}, which the pipeline
 * guard cannot protect: openssl asks for it from either side over TLS 1.2, and it costs no second
 * token signature. The server runs in a JVM of its own, started without any system property: the
 * refusal must come from {@code buildJsse()} itself.
 */
class JsseRenegotiationTest extends LoopbackNodesTest {

    @ParameterizedTest
    @EnumSource(value = TlsStack.class, names = {"JDK", "BCJSSE"})
    void aClientAskingAPlainJsseServerToRenegotiateIsRefused(TlsStack stack) throws Exception {
        Path token = SoftTokenFixture.enrolledFile(dir.resolve("gateway.stk"), pki.issue("gateway").serverAuth());
        Path ca = Files.writeString(dir.resolve("ca.pem"), pki.ca().certificatePem());
        HeldCertificate clinic = pki.issue("clinic-reneg").clientAuth().build();
        Files.writeString(dir.resolve("client.pem"), clinic.certificatePem());
        Files.writeString(dir.resolve("client.key"), clinic.privateKeyPem());

        String java = ProcessHandle.current().info().command().orElse("java");
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                JsseServerProcess.class.getName(), token.toString(), ca.toString(), stack.name())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (java.io.IOException e) {
                lines.add("(read failed: " + e + ")");
            }
        }, "jsse-server-output");
        reader.setDaemon(true);
        reader.start();
        try (Writer pin = new java.io.OutputStreamWriter(child.getOutputStream(), StandardCharsets.UTF_8)) {
            pin.write(new String(TestNodes.PIN) + "\n");
            pin.flush();
            String listening = next(lines);
            assertTrue(listening.startsWith("listening "), listening);
            int port = Integer.parseInt(listening.substring("listening ".length()));
            try (ExternalTool client = ExternalTool.openssl(dir, "s_client", "-connect", "127.0.0.1:" + port,
                    "-tls1_2", "-cert", "client.pem", "-key", "client.key")) {
                client.send("before\n");
                client.awaitOutput("before");
                assertEquals("signatures 1", next(lines));
                client.send("R\n");
                client.awaitOutput("RENEGOTIATING");
                client.awaitExit();
                String ended = next(lines);
                assertTrue(ended.startsWith("ended: "), ended);
                assertEquals("signatures 1", next(lines), "a renegotiation cost a token signature");
            }
        } finally {
            child.destroy();
            if (!child.waitFor(10, TimeUnit.SECONDS)) {
                child.destroyForcibly();
            }
        }
    }

    /**
     * openssl as the server asks our plain-JSSE client ({@link JsseNodeContext#connect}) to
     * renegotiate, and offers no resumption: the client refuses rather than sign again.
     */
    @ParameterizedTest
    @EnumSource(value = TlsStack.class, names = {"JDK", "BCJSSE"})
    void aServerAskingAPlainJsseClientToRenegotiateGetsNoSecondSignature(TlsStack stack) throws Exception {
        HeldCertificate held = pki.issue("openssl-gateway").serverAuth().build();
        Files.writeString(dir.resolve("server.pem"), held.certificatePem());
        Files.writeString(dir.resolve("server.key"), held.privateKeyPem());
        Files.writeString(dir.resolve("ca.pem"), pki.ca().certificatePem());
        int port = ExternalTool.freePort();
        try (ExternalTool server = ExternalTool.openssl(dir, "s_server", "-accept", "127.0.0.1:" + port,
                "-tls1_2", "-no_cache", "-no_ticket", "-cert", "server.pem", "-key", "server.key", "-CAfile", "ca.pem",
                "-Verify", "2")) {
            server.awaitOutput("ACCEPT");
            SecureToken clinic = nodes.node("clinic-001", KeyAlgorithm.EC_P256, pki, i -> i.clientAuth());
            InstrumentedKey card = InstrumentedKey.counting(clinic.credential(TestNodes.ALIAS).key());
            JsseNodeContext jsse = NodeTls.client(card.source(clinic.credential(TestNodes.ALIAS)))
                    .trustPolicy(trust).stack(stack).buildJsse();
            try (javax.net.ssl.SSLSocket socket = jsse.connect("127.0.0.1", port, Duration.ofSeconds(20))) {
                server.awaitOutput("CIPHER is");
                assertEquals(1, card.signatures());
                socket.setSoTimeout(500);
                server.send("R\n");
                server.send("ping\n");
                // the client sees the request when it reads: reading on, it must end the connection rather
                // than finish a new handshake (which would cost a second signature)
                StringBuilder read = new StringBuilder();
                String[] ended = new String[1];
                await().atMost(Duration.ofSeconds(15)).alias("the connection went on after a renegotiation request; "
                        + "server:\n" + server.output()).until(() -> {
                            try {
                                int b = socket.getInputStream().read();
                                if (b == -1) {
                                    ended[0] = "end of stream";
                                    return true;
                                }
                                read.append((char) b);
                                return false;
                            } catch (java.net.SocketTimeoutException e) {
                                return false;
                            } catch (java.io.IOException e) {
                                ended[0] = e.toString();
                                return true;
                            }
                        });
                assertEquals(1, card.signatures(), "a renegotiation cost a token signature (" + ended[0] + ")");
            }
        }
    }

    private static String next(BlockingQueue<String> lines) throws InterruptedException {
        String line = lines.poll(20, TimeUnit.SECONDS);
        if (line == null) {
            throw new AssertionError("the JSSE server printed nothing within 20 s");
        }
        return line;
    }
}
