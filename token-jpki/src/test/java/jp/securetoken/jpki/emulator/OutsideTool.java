package jp.securetoken.jpki.emulator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs an outside program (pkcs11-tool, openssl) with a time limit and collects what it printed. */
final class OutsideTool {

    static final Duration TIMEOUT = Duration.ofSeconds(60);

    /** What a run printed (stdout and stderr together) and how it ended. */
    record Result(List<String> command, int exitCode, String output) {
        Result requireSuccess() {
            if (exitCode != 0) {
                throw new AssertionError(String.join(" ", command) + " exited with " + exitCode + ":\n" + output);
            }
            return this;
        }
    }

    private OutsideTool() {
    }

    static Result run(Map<String, String> environment, String... command) {
        Path program = Path.of(command[0]);
        if (!Files.isExecutable(program)) {
            throw new IllegalStateException(program + " is missing: " + Pcscd.INSTALL_HINT + ", and openssl");
        }
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(environment);
        try {
            Path out = Files.createTempFile("outside-tool", ".log");
            try {
                pb.redirectOutput(out.toFile());
                Process p = pb.start();
                if (!p.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                    throw new AssertionError(String.join(" ", command) + " did not end within " + TIMEOUT);
                }
                return new Result(List.of(command), p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command[0], e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running " + command[0], e);
        }
    }

    static Result run(String... command) {
        return run(Map.of(), command);
    }

    static List<String> args(String... parts) {
        return new ArrayList<>(List.of(parts));
    }
}
