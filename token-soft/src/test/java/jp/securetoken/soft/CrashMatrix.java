package jp.securetoken.soft;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import jp.securetoken.api.Credential;
import jp.securetoken.api.CredentialNotFoundException;
import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.PinIncorrectException;
import jp.securetoken.api.PinRole;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.SignatureScheme;
import jp.securetoken.api.TokenException;
import jp.securetoken.testpki.TestPki;

/**
 * Stops a child JVM dead ({@code Runtime.halt} or {@code kill -9}) at one point of one soft token
 * write, then checks what is left: the file opens, no temporary file survives the next open, the
 * old or the new state is there (the one the point implies) and usable, and no PIN counter went
 * backwards. {@link #points()} lists every point: each step of each atomic replace of each
 * {@link CrashOperation}, halted and killed.
 */
final class CrashMatrix {
    private static final byte[] DATA = "signed after the crash".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** One place to stop the child. */
    record Point(CrashOperation operation, boolean halt, int write, AtomicFiles.Step step) {
        /** Whether the point lies after write {@code w}'s rename, so that write is on disk. */
        boolean renamed(int w) {
            return write > w || write == w && step.compareTo(AtomicFiles.Step.RENAMED) >= 0;
        }

        boolean expectsNew() {
            return renamed(operation.writes());
        }
    }

    /** What was found after stopping at a point. */
    record Row(Point point, boolean opened, boolean tempLeftByCrash, int tempAfterOpen, String state,
            boolean usable, int userFailures, int adminFailures, int expectedUserFailures,
            int expectedAdminFailures, String problem) {
        boolean ok() {
            return problem.isEmpty();
        }

        String line() {
            return String.format("%-18s %-4s %5d %-16s %-6s %-9s %-6s %-20s %-6s %7s %7s  %s",
                    point.operation(), point.halt() ? "halt" : "kill", point.write(), point.step(),
                    opened ? "yes" : "NO", tempLeftByCrash ? "yes" : "no", tempAfterOpen == 0 ? "none" : "LEFT",
                    state, usable ? "yes" : "NO", userFailures + "/" + expectedUserFailures,
                    adminFailures + "/" + expectedAdminFailures, ok() ? "ok" : "FAIL: " + problem);
        }

        static String header() {
            return String.format("%-18s %-4s %5s %-16s %-6s %-9s %-6s %-20s %-6s %7s %7s  %s", "operation", "stop",
                    "write", "step", "opens", "temp-left", "after", "state (old/new)", "usable", "user-f",
                    "admin-f", "verdict") + "\n" + "-".repeat(134);
        }
    }

    private final Path dir;
    private final Path template;
    private final Path lockedTemplate;
    private final X509Certificate oldCertificate;
    private int runs;

    /** Makes the two starting tokens: one with credential, key and user data; the same with the user PIN locked. */
    CrashMatrix(Path dir) throws Exception {
        this.dir = dir;
        this.template = Fixtures.create(Files.createDirectories(dir.resolve("template")), "template");
        try (SecureToken token = SoftTokens.open(template)) {
            token.login(Fixtures.pin(Fixtures.USER_PIN));
            oldCertificate = Fixtures.issue(token, TestPki.create("Initial CA"), "node", KeyAlgorithm.EC_P256)
                    .certificate();
            token.userData().write("device-id", CrashOperation.OLD_DATA);
        }
        Path lockedDir = Files.createDirectories(dir.resolve("locked"));
        lockedTemplate = Files.copy(template, lockedDir.resolve("locked.stk"));
        try (SecureToken token = SoftTokens.open(lockedTemplate)) {
            while (!token.pinStatus(PinRole.USER).locked()) {
                try {
                    token.login(Fixtures.pin("0000-wrong"));
                } catch (PinIncorrectException | jp.securetoken.api.PinLockedException expected) {
                    // counting down to the lock
                }
            }
        }
    }

    /** Every point: each step of each write of each operation, halted and killed. */
    static List<Point> points() {
        List<Point> out = new ArrayList<>();
        for (CrashOperation operation : CrashOperation.values()) {
            for (boolean halt : new boolean[] {true, false}) {
                for (int write = 1; write <= operation.writes(); write++) {
                    for (AtomicFiles.Step step : AtomicFiles.Step.values()) {
                        out.add(new Point(operation, halt, write, step));
                    }
                }
            }
        }
        return out;
    }

    /** A few points per operation for the build: around the last write's rename, halted and killed. */
    static List<Point> sample() {
        List<Point> out = new ArrayList<>();
        for (CrashOperation operation : CrashOperation.values()) {
            out.add(new Point(operation, true, operation.writes(), AtomicFiles.Step.RENAMED));
            out.add(new Point(operation, false, operation.writes(), AtomicFiles.Step.TEMP_SYNCED));
        }
        return out;
    }

    Row run(Point point) throws Exception {
        Path pointDir = Files.createDirectories(dir.resolve("point-" + (++runs)));
        Path file = pointDir.resolve("crash.stk");
        Files.copy(point.operation().needsLockedPin() ? lockedTemplate : template, file,
                StandardCopyOption.COPY_ATTRIBUTES);
        String reached = stopChild(file, point);
        if (!reached.isEmpty()) {
            return new Row(point, false, false, 0, "-", false, -1, -1, 0, 0, reached);
        }
        boolean tempLeft = leftovers(pointDir) > 0;
        try (SecureToken token = SoftTokens.open(file)) {
            int tempAfter = leftovers(pointDir);
            int userFailures = failures(token, PinRole.USER);
            int adminFailures = failures(token, PinRole.ADMINISTRATOR);
            int expectedUser = expectedUserFailures(point);
            int expectedAdmin = point.operation() == CrashOperation.UNLOCK && point.renamed(1) && !point.renamed(2)
                    ? 1 : 0;
            String[] state = stateAndUse(token, point);
            List<String> problems = new ArrayList<>();
            if (tempAfter != 0) {
                problems.add("temporary file left after open");
            }
            if (userFailures != expectedUser || adminFailures != expectedAdmin) {
                problems.add("PIN counter " + userFailures + "/" + adminFailures + ", expected " + expectedUser + "/"
                        + expectedAdmin);
            }
            String expectedState = point.expectsNew() ? "new" : "old";
            boolean counterOnly = point.operation() == CrashOperation.WRONG_PIN
                    || point.operation() == CrashOperation.LOGIN; // their state is the counter, checked above
            if (!counterOnly && !state[0].startsWith(expectedState)) {
                problems.add("state " + state[0] + ", expected " + expectedState);
            }
            if (!state[1].isEmpty()) {
                problems.add(state[1]);
            }
            return new Row(point, true, tempLeft, tempAfter, state[0], state[1].isEmpty(), userFailures,
                    adminFailures, expectedUser, expectedAdmin, String.join("; ", problems));
        } catch (TokenException e) {
            return new Row(point, false, tempLeft, -1, "-", false, -1, -1, 0, 0, "does not open: " + e.getMessage());
        }
    }

    /** Runs the child to the point; returns "" when it stopped there, else what went wrong. */
    private static String stopChild(Path file, Point point) throws Exception {
        Process child = Fixtures.startChild(CrashWriter.class, file.toString(), point.operation().name(),
                point.halt() ? "halt" : "kill", Integer.toString(point.write()), point.step().name());
        try {
            if (point.halt()) {
                child.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
                if (!child.waitFor(60, TimeUnit.SECONDS)) {
                    return "child did not stop";
                }
                return child.exitValue() == 3 ? "" : "child did not reach the point (exit " + child.exitValue() + ")";
            }
            BufferedReader out = Fixtures.lines(child);
            String line;
            while ((line = out.readLine()) != null && !line.startsWith("AT ")) {
                // the child's other output
            }
            if (line == null) {
                return "child did not reach the point";
            }
            child.destroyForcibly(); // SIGKILL: kill -9
            return child.waitFor(60, TimeUnit.SECONDS) ? "" : "child did not die";
        } finally {
            child.destroyForcibly();
        }
    }

    private static int expectedUserFailures(Point point) {
        return switch (point.operation()) {
            case WRONG_PIN -> point.renamed(1) ? 1 : 0;
            case UNLOCK -> point.renamed(3) ? 0 : Fixtures.settings("x").build().maxRetries();
            default -> point.renamed(1) && !point.renamed(2) ? 1 : 0;
        };
    }

    private static int failures(SecureToken token, PinRole role) throws TokenException {
        var status = token.pinStatus(role);
        return status.maxRetries() - status.retriesLeft();
    }

    /** The state found (old/new, with a detail) and a problem using it ("" when usable). */
    private String[] stateAndUse(SecureToken token, Point point) throws Exception {
        switch (point.operation()) {
            case WRONG_PIN, LOGIN -> {
                int user = failures(token, PinRole.USER);
                String state = point.operation() == CrashOperation.WRONG_PIN
                        ? (user > 0 ? "new (try counted)" : "old (not counted)")
                        : (user > 0 ? "try counted" : point.renamed(2) ? "new (count cleared)" : "old");
                return new String[] {state, signsWithNode(token, Fixtures.USER_PIN)};
            }
            case KEY_GENERATION -> {
                token.login(Fixtures.pin(Fixtures.USER_PIN));
                String state;
                try {
                    token.lifecycle().createCertificationRequest("next",
                            new javax.security.auth.x500.X500Principal("CN=next"));
                    state = "new (pending key)";
                } catch (CredentialNotFoundException e) {
                    state = "old (no new key)";
                }
                return new String[] {state, signsWithNode(token, Fixtures.USER_PIN)};
            }
            case CREDENTIAL_IMPORT -> {
                String use = signsWithNode(token, Fixtures.USER_PIN);
                boolean old = token.credential("node").certificate().equals(oldCertificate);
                return new String[] {old ? "old credential" : "new credential", use};
            }
            case USER_DATA -> {
                byte[] value = token.userData().read("device-id").orElse(new byte[0]);
                String state = Arrays.equals(value, CrashOperation.OLD_DATA) ? "old record"
                        : Arrays.equals(value, CrashOperation.NEW_DATA) ? "new record" : "MIXED record";
                return new String[] {state, signsWithNode(token, Fixtures.USER_PIN)};
            }
            case PIN_CHANGE -> {
                try {
                    return new String[] {"new PIN", signsWithNode(token, CrashOperation.NEW_USER_PIN)};
                } catch (PinIncorrectException e) {
                    return new String[] {"old PIN", signsWithNode(token, Fixtures.USER_PIN)};
                }
            }
            case UNLOCK -> {
                if (token.pinStatus(PinRole.USER).locked()) {
                    token.unlockUserPin(Fixtures.pin(Fixtures.ADMIN_PIN), Fixtures.pin(CrashOperation.NEW_USER_PIN));
                    return new String[] {"old (still locked)", signsWithNode(token, CrashOperation.NEW_USER_PIN)};
                }
                return new String[] {"new PIN", signsWithNode(token, CrashOperation.NEW_USER_PIN)};
            }
            default -> throw new IllegalStateException(point.operation().name());
        }
    }

    /** Logs in with {@code pin} and signs with {@code node}; "" when the signature verifies under its certificate. */
    private static String signsWithNode(SecureToken token, String pin) throws Exception {
        if (!token.isLoggedIn()) {
            token.login(Fixtures.pin(pin));
        }
        Credential node = token.credential("node");
        byte[] signature = node.key().sign(SignatureScheme.ECDSA_P256_SHA256, DATA);
        return Fixtures.verifies(node.certificate().getPublicKey(), SignatureScheme.ECDSA_P256_SHA256, DATA, signature)
                ? "" : "the node key does not match its certificate";
    }

    private static int leftovers(Path pointDir) throws IOException {
        try (Stream<Path> files = Files.list(pointDir)) {
            return (int) files.map(p -> p.getFileName().toString())
                    .filter(n -> !n.equals("crash.stk") && !n.equals("crash.stk.lock")).count();
        }
    }
}
