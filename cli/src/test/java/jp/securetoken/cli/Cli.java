package jp.securetoken.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code nodeauth} as a user does: a separate JVM with the module's class path, its own
 * environment and standard input, and no terminal.
 */
final class Cli {
    private static final long TIMEOUT_SECONDS = 60;

    /** What one run left behind. */
    record Result(int exitCode, String out, String err, byte[] outBytes) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private final Map<String, String> env = new HashMap<>();
    private byte[] stdin = new byte[0];
    private Path launcher;

    /** Sets an environment variable of the child process. */
    Cli env(String name, String value) {
        env.put(name, value);
        return this;
    }

    /** Sets several environment variables of the child process (a SoftHSM2 store's, say). */
    Cli env(java.util.Map<String, String> variables) {
        env.putAll(variables);
        return this;
    }

    /**
     * Runs the commands through a launcher script ({@code bin/nodeauth}), which chooses the JVM's
     * flags itself, instead of this JVM's {@code java} with this module's class path.
     */
    Cli through(Path script) {
        this.launcher = script;
        return this;
    }

    Cli stdin(String text) {
        this.stdin = text.getBytes(StandardCharsets.UTF_8);
        return this;
    }

    Result run(Object... args) throws IOException, InterruptedException {
        Process p = start(commandLine(args));
        CompletableFuture<byte[]> out = drain(p.getInputStream());
        CompletableFuture<byte[]> err = drain(p.getErrorStream());
        try (OutputStream in = p.getOutputStream()) {
            in.write(stdin);
        }
        if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("nodeauth " + List.of(args) + " did not finish");
        }
        byte[] outBytes = out.join();
        return new Result(p.exitValue(), new String(outBytes, StandardCharsets.UTF_8),
                new String(err.join(), StandardCharsets.UTF_8), outBytes);
    }

    /** Starts a long-running command (a server); its standard output arrives line by line. */
    Running background(Object... args) throws IOException {
        Process p = start(commandLine(args));
        p.getOutputStream().close();
        return new Running(p);
    }

    /** Starts a long-running command whose standard input stays open until {@link Running#closeInput()}. */
    Running interactive(Object... args) throws IOException {
        return new Running(start(commandLine(args)));
    }

    /** A command still running, stopped by {@link #close()}. */
    static final class Running implements AutoCloseable {
        private final Process process;
        private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        private final CompletableFuture<byte[]> err;

        Running(Process process) {
            this.process = process;
            this.err = drain(process.getErrorStream());
            Thread reader = new Thread(() -> {
                try (BufferedReader r = process.inputReader(StandardCharsets.UTF_8)) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        lines.add(line);
                    }
                } catch (IOException e) {
                    lines.add("(stdout failed: " + e + ")");
                }
            }, "nodeauth-stdout");
            reader.setDaemon(true);
            reader.start();
        }

        /** The process id (the JVM's: a launcher script replaces itself with it). */
        long pid() {
            return process.pid();
        }

        /** The next line of standard output, waiting at most 30 s. */
        String nextLine() throws InterruptedException {
            String line = lines.poll(TIMEOUT_SECONDS / 2, TimeUnit.SECONDS);
            if (line == null) {
                throw new AssertionError("no output line within " + TIMEOUT_SECONDS / 2 + " s; alive="
                        + process.isAlive() + (process.isAlive() ? "" : ", stderr: "
                        + new String(err.join(), StandardCharsets.UTF_8)));
            }
            return line;
        }

        /** Whether the process still runs. */
        boolean isAlive() {
            return process.isAlive();
        }

        /** Types {@code text} on the command's standard input. */
        void type(String text) throws IOException {
            process.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
            process.getOutputStream().flush();
        }

        /** Closes the command's standard input (Ctrl-D at a terminal) and waits for it to exit; its exit code. */
        int closeInput() throws IOException, InterruptedException {
            process.getOutputStream().close();
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new AssertionError("the command did not exit after its input closed");
            }
            return process.exitValue();
        }

        /** Stops the process (SIGTERM) and waits for it. */
        @Override
        public void close() {
            process.destroy();
            try {
                if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    private Process start(List<String> command) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().remove("SECURETOKEN_SOFT_DIR");
        pb.environment().putAll(env);
        return pb.start();
    }

    private List<String> commandLine(Object... args) {
        if (launcher == null) {
            return command(args);
        }
        List<String> command = new ArrayList<>(List.of(launcher.toString()));
        for (Object a : args) {
            command.add(a.toString());
        }
        return command;
    }

    private static List<String> command(Object... args) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                "--add-exports", "jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED",
                "--add-opens", "java.smartcardio/sun.security.smartcardio=ALL-UNNAMED",
                "-Dsun.security.smartcardio.library=" + System.getProperty("sun.security.smartcardio.library", ""),
                "-cp", System.getProperty("java.class.path"),
                NodeAuth.class.getName()));
        for (Object a : args) {
            command.add(a.toString());
        }
        return command;
    }

    private static CompletableFuture<byte[]> drain(InputStream stream) {
        return CompletableFuture.supplyAsync(() -> {
            try (stream) {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }
}
