package jp.securetoken.tls;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/** A test audit record repository: accepts node-authenticated TLS and reads RFC 5425 octet-counted frames. */
final class SyslogReceiver implements AutoCloseable {
    private final SSLServerSocket listener;
    final BlockingQueue<String> messages = new LinkedBlockingQueue<>();

    SyslogReceiver(JsseNodeContext tls, int port) throws IOException {
        listener = (SSLServerSocket) tls.sslContext().getServerSocketFactory()
                .createServerSocket(port, 8, InetAddress.getLoopbackAddress());
        listener.setSSLParameters(tls.parameters());
        Thread t = new Thread(this::accept, "test-syslog");
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return listener.getLocalPort();
    }

    String next() throws InterruptedException {
        String m = messages.poll(20, TimeUnit.SECONDS);
        if (m == null) {
            throw new AssertionError("no syslog message within 20 s");
        }
        return m;
    }

    private void accept() {
        while (!listener.isClosed()) {
            try (SSLSocket s = (SSLSocket) listener.accept()) {
                InputStream in = s.getInputStream();
                while (true) {
                    int length = 0;
                    int c;
                    while ((c = in.read()) != ' ') {
                        if (c < 0) {
                            throw new SocketException("closed");
                        }
                        length = length * 10 + (c - '0');
                    }
                    ByteArrayOutputStream frame = new ByteArrayOutputStream();
                    frame.write(in.readNBytes(length));
                    messages.add(frame.toString(StandardCharsets.UTF_8));
                }
            } catch (IOException e) {
                // the sender closed the connection; wait for the next one
            }
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
    }
}
