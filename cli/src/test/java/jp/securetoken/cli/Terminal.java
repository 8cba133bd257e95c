package jp.securetoken.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code nodeauth} at a pseudo-terminal (util-linux {@code script}), so that it prompts as it
 * would for a person: the test waits for each prompt, then types.
 */
final class Terminal implements AutoCloseable {
    private final Process process;
    private final InputStream screen;
    private final OutputStream keyboard;
    private final ByteArrayOutputStream seen = new ByteArrayOutputStream();

    private Terminal(Process process) {
        this.process = process;
        this.screen = process.getInputStream();
        this.keyboard = process.getOutputStream();
    }

    static Terminal run(Object... args) throws IOException {
        return run(java.util.Map.of(), args);
    }

    /** As {@link #run(Object...)}, with these environment variables (a SoftHSM2 store's, say). */
    static Terminal run(java.util.Map<String, String> env, Object... args) throws IOException {
        List<String> words = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                "--add-exports", "jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), NodeAuth.class.getName()));
        for (Object a : args) {
            words.add(a.toString());
        }
        StringBuilder command = new StringBuilder();
        for (String w : words) {
            command.append('\'').append(w.replace("'", "'\\''")).append("' ");
        }
        ProcessBuilder pb = new ProcessBuilder("script", "-qec", command.toString(), "/dev/null")
                .redirectErrorStream(true);
        pb.environment().remove("SECURETOKEN_SOFT_DIR");
        pb.environment().putAll(env);
        return new Terminal(pb.start());
    }

    /** Reads the screen until {@code text} has appeared since the last call. */
    void expect(String text) throws IOException {
        int from = seen.size();
        while (!seen.toString(StandardCharsets.UTF_8).substring(Math.min(from, seen.size())).contains(text)) {
            int b = screen.read();
            if (b == -1) {
                throw new AssertionError("the screen never showed '" + text + "':\n" + transcript());
            }
            seen.write(b);
        }
    }

    void type(String line) throws IOException {
        keyboard.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        keyboard.flush();
    }

    /** Waits for the command to end and returns its exit code; the screen is then complete. */
    int exitCode() throws IOException, InterruptedException {
        screen.transferTo(seen);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            throw new AssertionError("the command did not end:\n" + transcript());
        }
        return process.exitValue();
    }

    String transcript() {
        return seen.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
