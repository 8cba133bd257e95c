package jp.securetoken.soft;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import jp.securetoken.api.SecureToken;

/**
 * Child JVM of the crash matrix: runs one {@link CrashOperation} on a token and stops dead at one
 * point, the given step of the given atomic replace. {@code halt} calls {@code Runtime.halt(3)}
 * there; {@code kill} prints {@code AT} and waits for the parent's {@code kill -9}.
 *
 * <p>Arguments: file, operation, halt|kill, write number (1-based), step.
 */
public final class CrashWriter {
    private CrashWriter() {
    }

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        CrashOperation operation = CrashOperation.valueOf(args[1]);
        boolean halt = args[2].equals("halt");
        int write = Integer.parseInt(args[3]);
        AtomicFiles.Step step = AtomicFiles.Step.valueOf(args[4]);
        AtomicInteger writes = new AtomicInteger();
        AtomicFiles.hook = reached -> {
            if (reached == AtomicFiles.Step.TEMP_CREATED) {
                writes.incrementAndGet();
            }
            if (reached == step && writes.get() == write) {
                if (halt) {
                    Runtime.getRuntime().halt(3);
                }
                System.out.println("AT " + operation + " " + write + " " + step);
                System.out.flush();
                try {
                    Thread.sleep(Long.MAX_VALUE);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        try (SecureToken token = SoftTokens.open(file)) {
            operation.run(token);
        }
        System.out.println("COMPLETED");
        System.exit(0);
    }
}
