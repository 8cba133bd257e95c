package jp.securetoken.jpki.emulator;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pcscd of the tests' own, in the foreground, with vsmartcard's vpcd reader listening on TCP 35963.
 * Fails with a message saying what to install when a component is missing, and refuses to run next
 * to a pcscd that something else started (stop that one first: its readers and cards would mix with
 * ours). Its log goes to {@code target/pcscd.log}.
 */
public final class Pcscd implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Pcscd.class);

    public static final String READER = "Virtual PCD 00 00";
    static final Path PCSCD = Path.of("/usr/sbin/pcscd");
    static final Path VPCD_DRIVER = Path.of("/usr/lib/pcsc/drivers/serial/libifdvpcd.so");
    static final Path VPCD_CONFIG = Path.of("/etc/reader.conf.d/vpcd");
    static final String INSTALL_HINT = "install the Debian packages pcscd vsmartcard-vpcd opensc pcsc-tools "
            + "(scripts/test-all.sh does)";

    private volatile Process process;

    private Pcscd(Process process) {
        this.process = process;
    }

    /**
     * Stops pcscd and starts it again, as a system update or an administrator would: every PC/SC
     * context and card handle of running programs goes stale, and the vpcd cards lose their reader.
     */
    public void restart() {
        close();
        await("vpcd's port closed").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                .until(() -> !vpcdListening());
        this.process = launch().process;
    }

    static Pcscd start() {
        require(PCSCD, "pcscd");
        require(VPCD_DRIVER, "the vpcd reader driver");
        require(VPCD_CONFIG, "the vpcd reader configuration");
        Optional<ProcessHandle> other = ProcessHandle.allProcesses()
                .filter(p -> p.info().command().map(c -> c.endsWith("/pcscd")).orElse(false))
                .filter(ProcessHandle::isAlive).findFirst();
        if (other.isPresent()) {
            throw new IllegalStateException("a pcscd is already running (pid " + other.get().pid() + "), started "
                    + "outside these tests; stop it (e.g. systemctl stop pcscd.socket pcscd) so that the tests "
                    + "can run their own");
        }
        if (vpcdListening()) {
            throw new IllegalStateException("something already listens on TCP " + VpcdCardConnection.DEFAULT_PORT
                    + ", vpcd's port; stop it so that the tests' pcscd can open the virtual reader");
        }
        return launch();
    }

    private static Pcscd launch() {
        // vpcd binds its two readers' ports (35963, 35964) without waiting for connections of an
        // earlier pcscd to leave TIME_WAIT; a port still held makes pcscd drop both readers
        await("vpcd's ports 35963 and 35964 free of earlier connections").atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(250)).until(() -> !portInUse(VpcdCardConnection.DEFAULT_PORT)
                        && !portInUse(VpcdCardConnection.DEFAULT_PORT + 1));
        Path logFile = Path.of("target", "pcscd.log");
        Process p;
        try {
            Files.createDirectories(logFile.getParent());
            p = new ProcessBuilder(PCSCD.toString(), "--foreground", "--info").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + PCSCD, e);
        }
        Pcscd pcscd = new Pcscd(p);
        try {
            await("pcscd's vpcd reader listening on TCP " + VpcdCardConnection.DEFAULT_PORT)
                    .atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                    .until(() -> !p.isAlive() || vpcdListening());
        } catch (RuntimeException e) {
            pcscd.close();
            throw e;
        }
        if (!p.isAlive()) {
            throw new IllegalStateException("pcscd exited with " + p.exitValue() + " at start; see " + logFile);
        }
        log.info("started pcscd (pid {}), log in {}", p.pid(), logFile);
        return pcscd;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        log.info("stopped pcscd (pid {})", process.pid());
    }

    private static void require(Path path, String what) {
        if (!Files.exists(path)) {
            throw new IllegalStateException(what + " is missing (" + path + "): " + INSTALL_HINT);
        }
    }

    /** Whether any socket (listening, connected or in TIME_WAIT) has {@code port} as its local port. */
    static boolean portInUse(int port) {
        String local = String.format(":%04X", port);
        for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
            try {
                for (String line : Files.readAllLines(Path.of(table))) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length > 3 && f[1].endsWith(local)) {
                        return true;
                    }
                }
            } catch (IOException e) {
                log.debug("cannot read {}", table, e);
            }
        }
        return false;
    }

    /** Whether a socket listens on vpcd's port; read from /proc so that no probe looks like a card. */
    static boolean vpcdListening() {
        String port = String.format(":%04X ", VpcdCardConnection.DEFAULT_PORT);
        for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
            try {
                for (String line : Files.readAllLines(Path.of(table))) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length > 3 && (f[1] + " ").endsWith(port) && f[3].equals("0A")) {
                        return true;
                    }
                }
            } catch (IOException e) {
                log.debug("cannot read {}", table, e);
            }
        }
        return false;
    }
}
