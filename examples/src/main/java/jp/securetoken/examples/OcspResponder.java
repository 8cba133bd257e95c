package jp.securetoken.examples;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.TimeUnit;
import jp.securetoken.testpki.TestPki;

/**
 * An OCSP responder for an example's CA: Debian's {@code openssl ocsp} on loopback, answering from
 * an {@code openssl ca}-style index in which the given certificates are revoked.
 */
final class OcspResponder implements AutoCloseable {
    private static final DateTimeFormatter INDEX_TIME = DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    private final Process process;
    private final URI uri;

    private OcspResponder(Process process, URI uri) {
        this.process = process;
        this.uri = uri;
    }

    /** Starts a responder for {@code ca} that knows {@code good} as valid and {@code revoked} as revoked. */
    static OcspResponder start(Path dir, TestPki ca, List<X509Certificate> good, List<X509Certificate> revoked)
            throws IOException, InterruptedException {
        Files.writeString(dir.resolve("ocsp-ca.pem"), ca.ca().certificatePem());
        Files.writeString(dir.resolve("ocsp-ca.key"), ca.ca().privateKeyPem());
        StringBuilder index = new StringBuilder();
        for (X509Certificate c : good) {
            index.append("V\t").append(INDEX_TIME.format(c.getNotAfter().toInstant())).append("\t\t").append(serial(c))
                    .append("\tunknown\t/CN=").append(c.getSerialNumber()).append('\n');
        }
        for (X509Certificate c : revoked) {
            index.append("R\t").append(INDEX_TIME.format(c.getNotAfter().toInstant())).append('\t')
                    .append(INDEX_TIME.format(Instant.now().minus(Duration.ofHours(1)))).append(",keyCompromise\t")
                    .append(serial(c)).append("\tunknown\t/CN=").append(c.getSerialNumber()).append('\n');
        }
        Files.writeString(dir.resolve("ocsp-index.txt"), index.toString());
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        Process p;
        try {
            p = new ProcessBuilder("openssl", "ocsp", "-index", "ocsp-index.txt", "-port", String.valueOf(port),
                    "-rsigner", "ocsp-ca.pem", "-rkey", "ocsp-ca.key", "-CA", "ocsp-ca.pem")
                    .directory(dir.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException("the example needs Debian's openssl for its OCSP responder: " + e.getMessage(), e);
        }
        awaitReady(p);
        return new OcspResponder(p, URI.create("http://127.0.0.1:" + port));
    }

    URI uri() {
        return uri;
    }

    private static void awaitReady(Process p) throws IOException {
        InputStream out = p.getInputStream();
        StringBuilder seen = new StringBuilder();
        int c;
        while ((c = out.read()) >= 0) {
            seen.append((char) c);
            if (seen.indexOf("waiting for OCSP client connections") >= 0) {
                Thread drain = new Thread(() -> {
                    try {
                        out.transferTo(java.io.OutputStream.nullOutputStream());
                    } catch (IOException e) {
                        // the responder stopped
                    }
                }, "ocsp-output");
                drain.setDaemon(true);
                drain.start();
                return;
            }
        }
        throw new IOException("openssl ocsp did not start: " + seen.toString().getBytes(StandardCharsets.UTF_8).length
                + " bytes of output: " + seen);
    }

    private static String serial(X509Certificate c) {
        String hex = c.getSerialNumber().toString(16).toUpperCase();
        return hex.length() % 2 == 0 ? hex : "0" + hex;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
