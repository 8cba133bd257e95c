package jp.securetoken.soft;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import jp.securetoken.api.SecureToken;
import jp.securetoken.lifecycle.node.NodeEnrollment;

/**
 * Child JVM of {@code RenewCrashTest}: logs in to the node token {@code args[0]} (PIN in the
 * environment variable NODE_PIN) and renews credential {@code node} against the EST address the token
 * keeps, halting the JVM the {@code args[2]}-th time a token write reaches step {@code args[1]} during
 * the renewal (write 1 stores the pending key, write 2 the new credential). It lives in the soft
 * token's package only to reach the write-step hook of {@link AtomicFiles}.
 */
public final class RenewCrashChild {
    private RenewCrashChild() {
    }

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        AtomicFiles.Step target = AtomicFiles.Step.valueOf(args[1]);
        int occurrence = Integer.parseInt(args[2]);
        AtomicBoolean armed = new AtomicBoolean();
        AtomicInteger seen = new AtomicInteger();
        AtomicFiles.hook = step -> {
            if (armed.get() && step == target && seen.incrementAndGet() == occurrence) {
                Runtime.getRuntime().halt(3);
            }
        };
        try (SecureToken token = SoftTokens.open(file)) {
            token.login(request -> System.getenv("NODE_PIN").toCharArray());
            armed.set(true); // the login's own writes are not counted
            NodeEnrollment.renew(token, "node", null, null, true);
        }
        System.exit(0); // renewed without reaching the step: the parent fails the test on this exit code
    }
}
