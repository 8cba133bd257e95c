package jp.securetoken.testsupport;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A command-line tool of another implementation (openssl s_client/s_server/ocsp, gnutls-cli,
 * gnutls-serv, ...) run as the outside peer of a test, in the test's directory: its standard output
 * and error collected as they come, its standard input open for typing; killed when closed.
 */
public final class ExternalTool implements AutoCloseable {
    private static final Duration WAIT = Duration.ofSeconds(20);

    private final Process process;
    private final StringBuffer output = new StringBuffer();
    private final Thread reader;

    private ExternalTool(Process process) {
        this.process = process;
        this.reader = new Thread(() -> {
            try (InputStream in = process.getInputStream()) {
                byte[] buf = new byte[4096];
                int n;
                while ((n = in.read(buf)) > 0) {
                    output.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                }
            } catch (IOException e) {
                output.append("\n[reader: ").append(e.getMessage()).append("]");
            }
        }, "external-tool-output");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts {@code command} in {@code dir}; a missing tool names the Debian package that has it. */
    public static ExternalTool start(Path dir, String debianPackage, String... command) throws IOException {
        try {
            return new ExternalTool(new ProcessBuilder(List.of(command)).directory(dir.toFile())
                    .redirectErrorStream(true).start());
        } catch (IOException e) {
            throw new IOException(command[0] + " is needed for this test (Debian package '" + debianPackage
                    + "'; ./scripts/test-all.sh installs it): " + e.getMessage(), e);
        }
    }

    /** Starts {@code openssl args...} in {@code dir}. */
    public static ExternalTool openssl(Path dir, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(args));
        return start(dir, "openssl", command.toArray(String[]::new));
    }

    /** A loopback port free at the time of asking, for a tool that must be told its port. */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Types {@code text} on the tool's standard input. */
    public void send(String text) throws IOException {
        process.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().flush();
    }

    /** Waits (at most 20 s) until the tool has printed {@code text}. */
    public void awaitOutput(String text) {
        try {
            await().atMost(WAIT).pollInterval(Duration.ofMillis(20)).until(() -> output.indexOf(text) >= 0);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("not printed within 20 s: '" + text + "'; printed:\n" + output, e);
        }
    }

    /**
     * Waits (at most 20 s) for the tool to exit and for what it printed to be read (at most 5 s more,
     * in case a child of the tool keeps its output open); its exit code. After this, {@link #output()}
     * holds everything the tool printed.
     */
    public int awaitExit() throws InterruptedException {
        if (!process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)) {
            throw new AssertionError("the tool did not exit within 20 s; printed:\n" + output);
        }
        reader.join(5_000);
        return process.exitValue();
    }

    /** Closes the tool's standard input and waits (at most 20 s) for it to exit; its exit code. */
    public int closeInput() throws IOException, InterruptedException {
        process.getOutputStream().close();
        return awaitExit();
    }

    /** Everything it printed so far. */
    public String output() {
        return output.toString();
    }

    /** Whether the tool is still running. */
    public boolean isAlive() {
        return process.isAlive();
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
