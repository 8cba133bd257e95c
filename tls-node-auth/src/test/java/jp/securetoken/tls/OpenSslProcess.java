package jp.securetoken.tls;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The {@code openssl} command line as an outside TLS or OCSP peer on loopback; closed processes are killed. */
final class OpenSslProcess implements AutoCloseable {
    private final Process process;
    private final StringBuffer output = new StringBuffer();

    private OpenSslProcess(Process process) {
        this.process = process;
        Thread reader = new Thread(() -> {
            try (InputStream in = process.getInputStream()) {
                byte[] buf = new byte[4096];
                int n;
                while ((n = in.read(buf)) > 0) {
                    output.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                }
            } catch (IOException e) {
                output.append("\n[reader: ").append(e.getMessage()).append("]");
            }
        }, "openssl-output");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts {@code openssl args...} in {@code dir}; fails clearly when openssl is not installed. */
    static OpenSslProcess start(Path dir, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(args));
        try {
            return new OpenSslProcess(new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start());
        } catch (IOException e) {
            throw new IOException("openssl is needed for the interop tests (Debian package 'openssl'; "
                    + "./scripts/test-all.sh installs it): " + e.getMessage(), e);
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    String output() {
        return output.toString();
    }

    void awaitOutput(String text) {
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(20))
                .alias("openssl printed '" + text + "'; so far:\n" + output)
                .until(() -> output.indexOf(text) >= 0 || (!process.isAlive() && output.indexOf(text) >= 0));
    }

    void send(String text) throws IOException {
        OutputStream in = process.getOutputStream();
        in.write(text.getBytes(StandardCharsets.UTF_8));
        in.flush();
    }

    int awaitExit() throws InterruptedException {
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            throw new AssertionError("openssl did not exit within 20 s:\n" + output);
        }
        return process.exitValue();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
