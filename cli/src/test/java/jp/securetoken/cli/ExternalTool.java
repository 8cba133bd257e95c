package jp.securetoken.cli;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A command-line tool of another TLS implementation (gnutls-cli, gnutls-serv, openssl s_client) run
 * as the outside peer of a CLI test, in the test's directory: its standard output and error collected
 * as they come, its standard input open for typing; killed when closed.
 */
final class ExternalTool implements AutoCloseable {
    private final Process process;
    private final StringBuffer output = new StringBuffer();

    private ExternalTool(Process process) {
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
        }, "external-tool-output");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts {@code command} in {@code dir}; a missing tool names the Debian package that has it. */
    static ExternalTool start(Path dir, String debianPackage, String... command) throws IOException {
        try {
            return new ExternalTool(new ProcessBuilder(List.of(command)).directory(dir.toFile())
                    .redirectErrorStream(true).start());
        } catch (IOException e) {
            throw new IOException(command[0] + " is needed for this test (Debian package '" + debianPackage
                    + "'; ./scripts/test-all.sh installs it): " + e.getMessage(), e);
        }
    }

    void send(String text) throws IOException {
        process.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().flush();
    }

    void awaitOutput(String text) {
        try {
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                    .until(() -> output.indexOf(text) >= 0);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("not printed within 20 s: '" + text + "'; printed:\n" + output, e);
        }
    }

    /** Closes the tool's standard input and waits (at most 20 s) for it to exit; its exit code. */
    int closeInput() throws IOException, InterruptedException {
        process.getOutputStream().close();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            throw new AssertionError("the tool did not exit after its input closed; output so far:\n" + output);
        }
        return process.exitValue();
    }

    /** Everything it printed so far. */
    String output() {
        return output.toString();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }
}
