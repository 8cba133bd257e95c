package jp.securetoken.cli;

import static jp.securetoken.cli.CliTestSupport.expect;
import static jp.securetoken.cli.CliTestSupport.withPins;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jp.securetoken.testsupport.PeerClosedSockets;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code issuer serve} with {@code serve}'s connection limit options: its TLS key is in the token, so
 * a source opening more connections than it may is closed before TLS, as by {@code serve}.
 */
class IssuerServeLimitsTest {
    private static final Pattern LISTENING = Pattern.compile("listening on https://127\\.0\\.0\\.1:(\\d+)/.*");

    @TempDir
    static Path dir;
    static Path issuerToken;

    @BeforeAll
    static void issuer() throws Exception {
        issuerToken = Tokens.empty(dir.resolve("issuer.stk"), 5);
        expect(0, withPins().run("issuer", "init", "--token", "soft:" + issuerToken, "--subject",
                "CN=Regional Network CA, O=Example Region, C=JP", "--server-name", "127.0.0.1", "--ca-out",
                dir.resolve("ca.pem"), "--pin-env", "UPIN"));
    }

    @Test
    void issuerServeClosesConnectionsOverItsPerSourceLimitBeforeTls() throws Exception {
        try (Cli.Running server = withPins().background("issuer", "serve", "--token", "soft:" + issuerToken,
                "--state", dir.resolve("state"), "--port", "0", "--pin-env", "UPIN",
                "--max-source-handshakes", "2/600")) {
            String listening = server.nextLine();
            assertTrue(listening.endsWith("; limits: 2 handshakes per source address per 600 s, 16 handshakes at "
                    + "once, 1000 connections"), listening);
            Matcher m = LISTENING.matcher(listening);
            assertTrue(m.find(), listening);
            int port = Integer.parseInt(m.group(1));
            try (Socket first = open(port); Socket second = open(port); Socket third = open(port)) {
                // exactly one is closed; the two admitted ones wait for a ClientHello (handshake timeout 20 s)
                PeerClosedSockets.awaitExactlyOneClosed(Duration.ofSeconds(15), first, second, third);
            }
        }
    }

    @Test
    void aMalformedLimitIsAUsageError() throws Exception {
        Cli.Result r = expect(2, withPins().run("issuer", "serve", "--token", "soft:" + issuerToken, "--state",
                dir.resolve("state"), "--port", "0", "--pin-env", "UPIN", "--max-connections", "0"));
        assertTrue(r.err().contains("--max-connections must be at least 1"), r::toString);
    }

    private static Socket open(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        return s;
    }
}
