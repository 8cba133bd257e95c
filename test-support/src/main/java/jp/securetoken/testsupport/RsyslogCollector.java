package jp.securetoken.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import jp.securetoken.testpki.HeldCertificate;

/**
 * Debian's {@code rsyslogd} as an audit record repository for tests: {@code imtcp} with the GnuTLS
 * stream driver (RFC 5425, mutual TLS: the sender must present a certificate that chains to the
 * given CA), writing every received message verbatim ({@code %rawmsg%}) as one line of an output
 * file. It runs on loopback with its own configuration, pid file and work directory, and can be
 * restarted on the same port, stalled ({@code SIGSTOP}) and resumed. A missing rsyslogd or GnuTLS
 * driver fails {@link #start}.
 */
public final class RsyslogCollector implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

    private final Path dir;
    private final int port;
    private final Path config;
    private final Path output;
    private final Path pidFile;
    private Process process;
    private boolean stalled;

    private RsyslogCollector(Path dir, int port) {
        this.dir = dir;
        this.port = port;
        this.config = dir.resolve("rsyslog.conf");
        this.output = dir.resolve("received.log");
        this.pidFile = dir.resolve("rsyslogd.pid");
    }

    /**
     * Writes the CA, the collector's certificate and key to {@code dir} and starts rsyslogd on a free
     * loopback port.
     *
     * @param ca        the CA whose certificates the collector accepts from senders
     * @param collector the collector's own certificate (server authentication) and key
     */
    public static RsyslogCollector start(Path dir, HeldCertificate ca, HeldCertificate collector) throws IOException {
        Files.createDirectories(dir.resolve("work"));
        Files.writeString(dir.resolve("ca.pem"), ca.certificatePem());
        Files.writeString(dir.resolve("collector.pem"), collector.chainPem());
        Files.writeString(dir.resolve("collector.key"), collector.privateKeyPem());
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        RsyslogCollector c = new RsyslogCollector(dir, port);
        Files.writeString(c.config, c.configuration());
        c.startProcess();
        return c;
    }

    private String configuration() {
        return """
                global(workDirectory="%1$s/work"
                       DefaultNetstreamDriver="gtls"
                       DefaultNetstreamDriverCAFile="%1$s/ca.pem"
                       DefaultNetstreamDriverCertFile="%1$s/collector.pem"
                       DefaultNetstreamDriverKeyFile="%1$s/collector.key")
                module(load="imtcp" StreamDriver.Name="gtls" StreamDriver.Mode="1"
                       StreamDriver.AuthMode="x509/certvalid")
                template(name="verbatim" type="string" string="%%rawmsg%%\\n")
                ruleset(name="audit") {
                    action(type="omfile" file="%2$s" template="verbatim")
                }
                input(type="imtcp" address="127.0.0.1" port="%3$d" ruleset="audit")
                """.formatted(dir.toAbsolutePath(), output.toAbsolutePath(), port);
    }

    private void startProcess() throws IOException {
        Files.deleteIfExists(pidFile);
        process = new ProcessBuilder(executable(), "-n", "-f", config.toString(), "-i", pidFile.toString())
                .directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("rsyslogd.out").toFile())).start();
        awaitOrFail(() -> accepts() || !process.isAlive(), "rsyslogd to listen on 127.0.0.1:" + port);
        if (!process.isAlive()) {
            throw new IOException("rsyslogd exited with " + process.exitValue() + ": " + log());
        }
    }

    /** Debian's rsyslogd, also where /usr/sbin is not on the PATH (a non-root user). */
    private static String executable() {
        Path debian = Path.of("/usr/sbin/rsyslogd");
        return Files.isExecutable(debian) ? debian.toString() : "rsyslogd";
    }

    /** The port rsyslogd listens on (kept across restarts). */
    public int port() {
        return port;
    }

    /** The operating-system process id of the running rsyslogd. */
    public long pid() {
        return process.pid();
    }

    /** Every message received so far, one per line, as sent (without the octet count). */
    public List<String> received() {
        try {
            return Files.exists(output) ? Files.readAllLines(output, StandardCharsets.UTF_8) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops rsyslogd (SIGTERM, as a service stop) and waits for it to exit. */
    public void stop() {
        if (process == null) {
            return;
        }
        if (stalled) {
            resume();
        }
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    /** Stops and starts rsyslogd again on the same port with the same output file. */
    public void restart() throws IOException {
        stop();
        startProcess();
    }

    /** Freezes rsyslogd ({@code SIGSTOP}): the kernel still accepts connections, nothing is read. */
    public void stall() throws IOException {
        signal("-STOP");
        stalled = true;
    }

    /** Lets a stalled rsyslogd run again ({@code SIGCONT}). */
    public void resume() {
        try {
            signal("-CONT");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        stalled = false;
    }

    /** What rsyslogd printed (its own errors). */
    public String log() {
        try {
            Path out = dir.resolve("rsyslogd.out");
            return Files.exists(out) ? Files.readString(out) : "";
        } catch (IOException e) {
            return e.toString();
        }
    }

    private void signal(String signal) throws IOException {
        try {
            Process kill = new ProcessBuilder("kill", signal, String.valueOf(process.pid())).inheritIO().start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IOException("kill " + signal + " " + process.pid() + " failed");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private boolean accepts() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void awaitOrFail(BooleanSupplier condition, String what) throws IOException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                stop();
                throw new IOException("timed out waiting for " + what + ": " + log());
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
    }

    @Override
    public void close() {
        stop();
    }
}
