package jp.securetoken.testpki;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.security.cert.CRLException;
import java.security.cert.X509CRL;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A CRL repository on loopback, as a CA publishes CRLs over HTTP (JPKI's リポジトリ): serves
 * {@code application/pkix-crl} at paths whose content a test replaces ("the next day's CRL"), or
 * raw bytes (a replayed OCSP answer, garbage, an oversized body) and redirects for attacks. {@link #stop()} takes it down while the test goes on.
 */
public final class CrlRepository implements AutoCloseable {
    private final HttpServer server;
    private final Map<String, Answer> answers = new ConcurrentHashMap<>();
    private final AtomicInteger requests = new AtomicInteger();

    private record Answer(int status, byte[] body, String location) {
    }

    private CrlRepository(HttpServer server) {
        this.server = server;
    }

    /** Starts a repository on 127.0.0.1 at a free port. */
    public static CrlRepository start() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
            CrlRepository repository = new CrlRepository(server);
            server.createContext("/", repository::answer);
            server.start();
            return repository;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the CRL repository on loopback", e);
        }
    }

    /** The URL of {@code path} (e.g. {@code "/jpki/auth.crl"}) on this repository. */
    public URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    /** Publishes {@code crl} at {@code path}, replacing what was there. */
    public void publish(String path, X509CRL crl) {
        try {
            answers.put(path, new Answer(200, crl.getEncoded(), null));
        } catch (CRLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Serves these bytes at {@code path} (not a CRL, a huge body ...). */
    public void serveBytes(String path, byte[] body) {
        answers.put(path, new Answer(200, body.clone(), null));
    }

    /** Answers {@code path} with a 302 to {@code location}. */
    public void redirect(String path, String location) {
        answers.put(path, new Answer(302, new byte[0], location));
    }

    /** How many requests it has answered. */
    public int requests() {
        return requests.get();
    }

    /** Takes the repository down (connections are refused from now on). */
    public void stop() {
        server.stop(0);
    }

    @Override
    public void close() {
        stop();
    }

    private void answer(HttpExchange exchange) throws IOException {
        try (exchange) {
            requests.incrementAndGet();
            Answer a = answers.get(exchange.getRequestURI().getPath());
            if (a == null) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            if (a.location() != null) {
                exchange.getResponseHeaders().add("Location", a.location());
            }
            exchange.getResponseHeaders().add("Content-Type", "application/pkix-crl");
            exchange.sendResponseHeaders(a.status(), a.body().length == 0 ? -1 : a.body().length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(a.body());
            }
        }
    }
}
