package jp.securetoken.tls;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import jp.securetoken.api.PinCallback;
import jp.securetoken.api.SecureToken;
import jp.securetoken.soft.SoftTokens;
import jp.securetoken.testsupport.InstrumentedKey;
import jp.securetoken.tls.trust.TrustPolicy;

/**
 * A plain-JSSE server from {@link NodeTlsBuilder#buildJsse()} in a JVM of its own (the JDK reads its
 * renegotiation switch once per JVM), for {@link JsseRenegotiationTest}. Arguments: token file, CA
 * file, stack; the PIN comes on standard input. Prints {@code listening PORT}, then echoes lines of
 * one connection, printing {@code signatures N} after each and {@code ended: ...} at the end.
 */
public final class JsseServerProcess {
    private JsseServerProcess() {
    }

    public static void main(String[] args) throws Exception {
        char[] pin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine()
                .toCharArray();
        SecureToken token = SoftTokens.open(Path.of(args[0]));
        try (PinCallback.Fixed callback = PinCallback.fixed(pin)) {
            token.login(callback);
        }
        InstrumentedKey card = InstrumentedKey.counting(token.credential(TestNodes.ALIAS).key());
        JsseNodeContext jsse = NodeTls.server(card.source(token.credential(TestNodes.ALIAS)))
                .trustPolicy(TrustPolicy.builder().trustAnchors(Path.of(args[1])).build())
                .stack(TlsStack.valueOf(args[2])).buildJsse();
        PrintStream out = System.out;
        try (SSLServerSocket server = (SSLServerSocket) jsse.sslContext().getServerSocketFactory().createServerSocket(0,
                1, java.net.InetAddress.getLoopbackAddress())) {
            server.setSSLParameters(jsse.parameters());
            out.println("listening " + server.getLocalPort());
            out.flush();
            try (SSLSocket socket = (SSLSocket) server.accept()) {
                socket.setSoTimeout(30_000);
                BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                        StandardCharsets.UTF_8));
                OutputStream echo = socket.getOutputStream();
                for (String line; (line = in.readLine()) != null; ) {
                    echo.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                    echo.flush();
                    out.println("signatures " + card.signatures());
                    out.flush();
                }
                out.println("ended: end of stream");
            } catch (java.io.IOException e) {
                out.println("ended: " + e);
            }
            out.println("signatures " + card.signatures());
            out.flush();
        }
    }
}
