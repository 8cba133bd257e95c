package jp.securetoken.lifecycle;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

import jp.securetoken.api.SecureToken;
import jp.securetoken.lifecycle.issuer.EstServer;
import jp.securetoken.lifecycle.issuer.IssuerState;
import jp.securetoken.testsupport.ExternalTool;
import jp.securetoken.testsupport.InstrumentedKey;
import jp.securetoken.tls.ConnectionLimits;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The issuing server under attack: its TLS key is in a token and every handshake costs a signature
 * before the client is known, so strangers are held to the same connection limits as {@code serve}'s,
 * a silent connection is dropped after the handshake timeout, and a renegotiation signs nothing.
 * The TLS key is a counting window on the token's real key.
 */
class EstServerLimitsTest {
    private static final Duration AWAIT = Duration.ofSeconds(20);

    @TempDir
    static Path dir;
    static SecureToken caToken;
    static IssuerState state;

    private InstrumentedKey tlsKey;
    private EstServer server;

    @BeforeAll
    static void token() throws Exception {
        caToken = IssuerFixture.issuerToken(dir.resolve("issuer.stk"), Clock.systemUTC());
        state = IssuerState.open(dir.resolve("state"));
        Files.writeString(dir.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder()
                .encodeToString(IssuerFixture.caCertificate(caToken).getEncoded()) + "\n-----END CERTIFICATE-----\n");
    }

    @AfterAll
    static void closeToken() {
        caToken.close();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private EstServer start(java.util.function.UnaryOperator<EstServer.Builder> options) throws Exception {
        tlsKey = InstrumentedKey.counting(caToken.credential("tls").key());
        server = options.apply(EstServer.builder(caToken, state).tlsCredential(tlsKey.source(caToken.credential("tls"))))
                .start();
        return server;
    }

    @Test
    void theServerHasServesConnectionLimitsByDefault() throws Exception {
        assertEquals(ConnectionLimits.DEFAULTS, start(b -> b).connectionLimits());
    }

    @Test
    void aFloodOfAnonymousHandshakesFromOneSourceCostsAtMostTheLimitInSignaturesAndCacertsStillAnswers()
            throws Exception {
        start(b -> b.connectionLimits(ConnectionLimits.DEFAULTS.withHandshakesPerSource(5, Duration.ofMinutes(10))));
        int completed = 0;
        for (int i = 0; i < 30; i++) {
            if (anonymousHandshakeFrom("127.0.0.2")) {
                completed++;
            }
        }
        assertEquals(5, completed, "handshakes that completed for the stranger");
        assertEquals(5, tlsKey.signatures(), "the token signed for more strangers than the limit");
        assertEquals(25, server.limitCounters().refusedBySourceRate(), server.limitCounters()::toString);

        // a node at another address is still answered, and its handshake is the one more signature
        assertEquals("200", curlCacerts().get(0));
        assertEquals(6, tlsKey.signatures());
        await().atMost(AWAIT).untilAsserted(() -> {
            assertEquals(0, server.limitCounters().handshaking());
            assertEquals(0, server.limitCounters().openConnections());
        });
    }

    @Test
    void silentConnectionsHoldTheHandshakeSlotsUntilTheHandshakeTimeoutClosesThem() throws Exception {
        start(b -> b.connectionLimits(ConnectionLimits.DEFAULTS.withHandshakesPerSource(1000, Duration.ofMinutes(10))
                .withConcurrentHandshakes(2)).handshakeTimeout(Duration.ofSeconds(2)));
        try (Socket silent1 = silentFrom("127.0.0.2"); Socket silent2 = silentFrom("127.0.0.2")) {
            await().atMost(AWAIT).untilAsserted(() -> assertEquals(2, server.limitCounters().handshaking()));
            try (Socket third = silentFrom("127.0.0.2")) {
                assertEquals(-1, readOne(third), "the connection over the handshake limit was not closed");
            }
            assertEquals(1, server.limitCounters().refusedByHandshakes());
            // the timeout, not the client, ends the silent ones and frees their slots
            assertEquals(-1, readOne(silent1), "a silent connection outlived the handshake timeout");
            assertEquals(-1, readOne(silent2), "a silent connection outlived the handshake timeout");
        }
        await().atMost(AWAIT).untilAsserted(() -> assertEquals(0, server.limitCounters().handshaking()));
        assertEquals("200", curlCacerts().get(0));
        assertEquals(1, tlsKey.signatures(), "silent connections cost no signature");
    }

    @Test
    void anEstablishedConnectionNoLongerHoldsAHandshakeSlot() throws Exception {
        start(b -> b.connectionLimits(ConnectionLimits.DEFAULTS.withConcurrentHandshakes(1)));
        try (SSLSocket established = anonymousTls("127.0.0.2")) {
            established.startHandshake();
            await().atMost(AWAIT).untilAsserted(() -> assertEquals(0, server.limitCounters().handshaking()));
            assertEquals(1, server.limitCounters().openConnections());
            assertEquals("200", curlCacerts().get(0), "the one handshake slot was still held");
        }
        assertEquals(0, server.limitCounters().refused());
    }

    @Test
    void theHandshakeTimeoutMustBePositive() {
        assertThrows(IllegalArgumentException.class,
                () -> EstServer.builder(caToken, state).handshakeTimeout(Duration.ZERO));
    }

    @Test
    void aClientAskingToRenegotiateOnTls12GetsNoSecondHandshakeAndNoSecondSignature() throws Exception {
        start(b -> b);
        try (ExternalTool client = ExternalTool.openssl(dir, "s_client", "-connect", "127.0.0.1:" + server.port(),
                "-tls1_2", "-CAfile", "ca.pem")) {
            client.awaitOutput("Verify return code: 0 (ok)");
            assertEquals(1, tlsKey.signatures());
            client.send("R\n");
            client.awaitOutput("RENEGOTIATING");
            client.awaitExit();
            assertEquals(1, tlsKey.signatures(), "a renegotiation cost a token signature: " + client.output());
        }
        await().atMost(AWAIT).untilAsserted(() -> assertEquals(0, server.limitCounters().openConnections()));
        assertEquals("200", curlCacerts().get(0));
        assertEquals(2, tlsKey.signatures());
    }

    /** A TLS client without certificate that trusts anything, from {@code source}: whether its handshake completed. */
    private boolean anonymousHandshakeFrom(String source) throws Exception {
        try (SSLSocket s = anonymousTls(source)) {
            s.startHandshake();
            return true;
        } catch (IOException refused) {
            return false;
        }
    }

    /** A connected TLS socket from {@code source}, without certificate, trusting anything; not yet handshaken. */
    private SSLSocket anonymousTls(String source) throws Exception {
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, new TrustManager[] {new TrustingAnything()}, null);
        Socket plain = silentFrom(source);
        return (SSLSocket) tls.getSocketFactory().createSocket(plain, "127.0.0.1", server.port(), true);
    }

    /** A TCP connection from {@code source} that sends nothing. */
    private Socket silentFrom(String source) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(source, 0));
        s.connect(new InetSocketAddress("127.0.0.1", server.port()), (int) AWAIT.toMillis());
        s.setSoTimeout((int) AWAIT.toMillis());
        return s;
    }

    private static int readOne(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        return in.read();
    }

    /** {@code curl} asking for the CA certificates, from 127.0.0.1: its HTTP status and body. */
    private List<String> curlCacerts() throws Exception {
        Process p = new ProcessBuilder("curl", "-sS", "--max-time", "20", "--cacert", "ca.pem", "-o", "cacerts.txt",
                "-w", "%{http_code}", server.uri() + EstServer.PREFIX + "/cacerts").directory(dir.toFile())
                .redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "curl did not finish");
        return List.of(out.trim(), Files.readString(dir.resolve("cacerts.txt")));
    }

    private static final class TrustingAnything implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
