package jp.securetoken.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.SecureToken;
import jp.securetoken.testpki.HeldCertificate;
import jp.securetoken.testsupport.SoftHsm2;
import jp.securetoken.testpki.TestPki;

/**
 * An outside client measures us: {@code openssl s_time -new} (mutual TLS, full handshakes, one
 * client process) against {@code nodeauth serve} on each stack with a soft-token key and with a
 * SoftHSM2 key (generated in SoftHSM2 by {@code pkcs11-tool}), and
 * against {@code openssl s_server} with an in-memory key of the same type, rounds alternated;
 * prints handshakes in the round time and the ratio to s_server (medians), and for each
 * {@code serve} where its CPU time went per handshake (token queue, event loop, TLS tasks, JIT
 * compiler, rest; read from {@code /proc} over the measured rounds).
 *
 * <p>Arguments: {@code [seconds-per-round] [rounds] [warm-up-seconds]}, default {@code 8 3 12}: each
 * server is warmed up first, long enough for the JIT to finish its work on a loaded 2-core machine
 * (s_server needs none; a shorter warm-up measures the compiler, not the handshake). Needs
 * {@code bin/nodeauth} built ({@code scripts/benchmark.sh} does it), whose JVM flags for {@code serve} are
 * measured as users get them (set {@code NODEAUTH_JAVA_OPTS} to measure others), and Debian's {@code openssl},
 * {@code softhsm2} and {@code opensc}. {@code -Dstime.only=REGEX} keeps the rows whose "key server"
 * matches (the s_server baseline always runs), e.g. {@code 'RSA_2048 serve openssl$'}.
 */
public final class STimeBenchmark {
    private static final Pattern CONNECTIONS = Pattern.compile("(\\d+) connections in (\\d+) real seconds");
    private static final String PIN = "bench-pin";

    private STimeBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int warmUp = args.length > 2 ? Integer.parseInt(args[2]) : 12;
        // e.g. -Dstime.only='RSA_2048 serve openssl$': those rows only (and the s_server baseline)
        Pattern only = Pattern.compile(System.getProperty("stime.only", ""));
        Path dir = Files.createTempDirectory("securetoken-stime");
        SoftHsm2 hsm = SoftHsm2.create(dir.resolve("softhsm"));
        TestPki pki = TestPki.create("Benchmark CA");
        Files.writeString(dir.resolve("ca.pem"), HeldCertificate.pem(pki.caCertificate()));
        System.out.printf(Locale.ROOT, "openssl s_time -new (mutual TLS, full handshakes) for %d s x %d rounds, "
                + "alternated, each server warmed up %d s first, %d cores%n", seconds, rounds, warmUp,
                Runtime.getRuntime().availableProcessors());
        String javaOpts = System.getenv("NODEAUTH_JAVA_OPTS");
        System.out.println("serve runs through bin/nodeauth with " + (javaOpts == null || javaOpts.isBlank()
                ? "the launcher's JVM flags for serve (full JIT)" : "NODEAUTH_JAVA_OPTS=" + javaOpts));
        System.out.printf(Locale.ROOT, "%-9s %-22s %10s %6s   %s%n", "key", "server", "handshakes", "ratio",
                "server CPU ms per handshake = token queue/event loop/tls tasks/jit/rest");
        for (KeyAlgorithm algorithm : List.of(KeyAlgorithm.EC_P256, KeyAlgorithm.RSA_2048)) {
            String name = algorithm == KeyAlgorithm.EC_P256 ? "ec" : "rsa";
            HeldCertificate plain = pki.issue("openssl-gateway").serverAuth().keyPair(
                    algorithm == KeyAlgorithm.EC_P256 ? TestPki.Keys.ecP256() : TestPki.Keys.rsa(2048)).build();
            Files.writeString(dir.resolve(name + "-server.pem"), plain.certificatePem());
            Files.writeString(dir.resolve(name + "-server.key"), plain.privateKeyPem());
            HeldCertificate client = pki.issue("clinic-stime").clientAuth().keyPair(
                    algorithm == KeyAlgorithm.EC_P256 ? TestPki.Keys.ecP256() : TestPki.Keys.rsa(2048)).build();
            Files.writeString(dir.resolve(name + "-client.pem"), client.certificatePem());
            Files.writeString(dir.resolve(name + "-client.key"), client.privateKeyPem());
            Map<String, String> tokens = new LinkedHashMap<>();
            for (String stack : List.of("jdk", "openssl", "bcjsse")) {
                // one token per serve process (a token file is opened by one process at a time)
                try (SecureToken token = BenchTokens.node(dir, "gateway-" + name + "-" + stack, algorithm, pki)) {
                    // complete once enrolled; serve opens it itself
                }
                tokens.put("serve " + stack, dir.resolve("gateway-" + name + "-" + stack + ".stk").toString());
            }
            for (String stack : List.of("jdk", "openssl", "bcjsse")) {
                tokens.put("serve " + stack + " softhsm2", softHsm2Token(hsm, dir, pki, "hsm-" + name + "-" + stack,
                        algorithm));
            }
            Map<String, double[]> results = new LinkedHashMap<>();
            List<String> servers = new ArrayList<>(List.of("openssl s_server"));
            tokens.keySet().stream().filter(s -> only.matcher(algorithm + " " + s).find()).forEach(servers::add);
            servers.forEach(s -> results.put(s, new double[rounds]));
            Map<String, Server> running = new LinkedHashMap<>();
            Map<String, ThreadCpu> cpuBefore = new LinkedHashMap<>();
            try {
                for (String server : servers) {
                    Server s = server.startsWith("openssl") ? Server.sServer(dir, name)
                            : Server.serve(dir, name, server.split(" ")[1], tokens.get(server), hsm.environment());
                    running.put(server, s);
                    // warm-up (JIT), not counted; s_server needs none, one second shows it answers
                    sTime(dir, name, s.port, server.startsWith("openssl") ? 1 : warmUp);
                }
                running.forEach((server, s) -> cpuBefore.put(server, ThreadCpu.of(s.process.pid())));
                for (int r = 0; r < rounds; r++) {
                    for (String server : servers) {
                        results.get(server)[r] = sTime(dir, name, running.get(server).port, seconds);
                    }
                }
                double baseline = median(results.get("openssl s_server"));
                for (String server : servers) {
                    double m = median(results.get(server));
                    double handshakes = Arrays.stream(results.get(server)).sum();
                    String where = ThreadCpu.of(running.get(server).process.pid())
                            .perHandshakeSince(cpuBefore.get(server), handshakes);
                    System.out.printf(Locale.ROOT, "%-9s %-22s %10.0f %6.2f   %s%n", algorithm, server, m,
                            m / baseline, where);
                }
            } finally {
                for (Server s : running.values()) {
                    s.close();
                }
            }
        }
    }

    private static double sTime(Path dir, String name, int port, int seconds) throws Exception {
        Process p = new ProcessBuilder("openssl", "s_time", "-connect", "127.0.0.1:" + port, "-new", "-time",
                String.valueOf(seconds), "-cert", name + "-client.pem", "-key", name + "-client.key", "-CAfile",
                "ca.pem").directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(seconds + 30L, TimeUnit.SECONDS);
        Matcher m = CONNECTIONS.matcher(out);
        if (!m.find()) {
            throw new IllegalStateException("s_time printed no result:\n" + out);
        }
        return Double.parseDouble(m.group(1));
    }

    /**
     * A SoftHSM2 token whose key pair {@code pkcs11-tool} generated inside it, with its certificate
     * (labelled as the alias) written next to it; the token's RFC 7512 address.
     */
    private static String softHsm2Token(SoftHsm2 hsm, Path dir, TestPki pki, String label, KeyAlgorithm algorithm)
            throws Exception {
        hsm.initToken(label, PIN, PIN + "-so");
        java.security.PublicKey key = hsm.generateKeyPair(label, PIN,
                algorithm == KeyAlgorithm.EC_P256 ? "EC:prime256v1" : "rsa:2048", "01", BenchTokens.ALIAS, dir);
        hsm.writeCertificate(label, PIN, pki.issue(label).serverAuth().clientAuth().certify(key), "01",
                BenchTokens.ALIAS, dir);
        return SoftHsm2.uri(label);
    }

    /**
     * CPU time of a process in milliseconds: per thread (by id, with its name) and in total. The
     * total comes from the process's own counter, which keeps the time of threads that have ended
     * (an idle pool thread that times out); per-thread figures cannot.
     */
    private record ThreadCpu(Map<String, Double> byThread, Map<String, String> names, double total) {
        private static final List<String> GROUPS = List.of("queue", "loop", "tls-tasks", "jit", "rest");

        static ThreadCpu of(long pid) {
            Map<String, Double> byThread = new LinkedHashMap<>();
            Map<String, String> names = new LinkedHashMap<>();
            Path proc = Path.of("/proc", Long.toString(pid));
            try (var tasks = Files.list(proc.resolve("task"))) {
                for (Path task : (Iterable<Path>) tasks::iterator) {
                    String stat;
                    try {
                        stat = Files.readString(task.resolve("stat"));
                    } catch (IOException e) {
                        continue; // the thread ended
                    }
                    String tid = task.getFileName().toString();
                    names.put(tid, stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')));
                    byThread.put(tid, millis(stat));
                }
                return new ThreadCpu(byThread, names, millis(Files.readString(proc.resolve("stat"))));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        /** utime + stime of a {@code /proc} stat line, in milliseconds (USER_HZ is 100 on Linux). */
        private static double millis(String stat) {
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 1000.0 / 100;
        }

        private static String group(String thread) {
            if (thread.startsWith("securetoken-que")) {
                return "queue";
            }
            if (thread.startsWith("multiThreadIoEv")) {
                return "loop";
            }
            if (thread.startsWith("securetoken-tls")) {
                return "tls-tasks";
            }
            return thread.startsWith("C2 Compiler") || thread.startsWith("C1 Compiler") ? "jit" : "rest";
        }

        /**
         * Milliseconds per handshake since {@code before}, in total and per group; "rest" also holds
         * the time of threads that ended in between.
         */
        String perHandshakeSince(ThreadCpu before, double handshakes) {
            Map<String, Double> m = new LinkedHashMap<>();
            GROUPS.forEach(g -> m.put(g, 0.0));
            byThread.forEach((tid, ms) -> m.merge(group(names.get(tid)),
                    ms - before.byThread.getOrDefault(tid, 0.0), Double::sum));
            double spent = total - before.total;
            double grouped = m.values().stream().mapToDouble(Double::doubleValue).sum();
            m.merge("rest", Math.max(0, spent - grouped), Double::sum);
            StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%.2f =", spent / handshakes));
            for (String g : GROUPS) {
                b.append(String.format(Locale.ROOT, " %.2f", m.get(g) / handshakes));
            }
            return b.toString();
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    /** A TLS server process on loopback, its output drained, stopped when closed. */
    private static final class Server implements AutoCloseable {
        private final Process process;
        private final int port;

        private Server(Process process, int port) {
            this.process = process;
            this.port = port;
        }

        static Server sServer(Path dir, String name) throws Exception {
            int port = freePort();
            Process p = new ProcessBuilder("openssl", "s_server", "-accept", "127.0.0.1:" + port, "-cert",
                    name + "-server.pem", "-key", name + "-server.key", "-CAfile", "ca.pem", "-Verify", "2", "-quiet")
                    .directory(dir.toFile()).redirectErrorStream(true).start();
            Server s = new Server(p, port);
            s.awaitListening(port);
            drain(p.getInputStream());
            return s;
        }

        static Server serve(Path dir, String name, String stack, String token, Map<String, String> env)
                throws Exception {
            Path nodeauth = Path.of(System.getProperty("securetoken.root", ".")).resolve("bin/nodeauth");
            String log = "serve-" + name + "-" + stack + "-" + Integer.toHexString(token.hashCode()) + ".err";
            ProcessBuilder pb = new ProcessBuilder(nodeauth.toString(), "serve", "--token", token, "--alias",
                    BenchTokens.ALIAS, "--ca", "ca.pem", "--port", "0", "--pin-env", "BENCH_PIN", "--stack", stack,
                    // one client connecting as fast as it can: the per-source limit (10 per 10 s) would refuse it
                    "--max-source-handshakes", "999999999/1")
                    .directory(dir.toFile()).redirectError(dir.resolve(log).toFile());
            pb.environment().putAll(env);
            pb.environment().put("BENCH_PIN", PIN);
            // the JVM flags bin/nodeauth gives serve (the full JIT), as users run it; NODEAUTH_JAVA_OPTS of
            // the caller's environment, if set, is passed on and printed in the header
            Process p = pb.start();
            InputStream in = p.getInputStream();
            StringBuilder line = new StringBuilder();
            int c;
            while ((c = in.read()) != -1 && c != '\n') {
                line.append((char) c);
            }
            Matcher m = Pattern.compile("Listening on [^:]+:(\\d+) ").matcher(line);
            if (!m.find()) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                throw new IllegalStateException("nodeauth serve did not start: " + line + " "
                        + Files.readString(dir.resolve(log)));
            }
            drain(in);
            return new Server(p, Integer.parseInt(m.group(1)));
        }

        private void awaitListening(int port) throws InterruptedException {
            for (int i = 0; i < 200; i++) {
                try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                    return;
                } catch (IOException e) {
                    Thread.sleep(25);
                }
            }
            throw new IllegalStateException("s_server did not listen on " + port);
        }

        private static void drain(InputStream in) {
            Thread t = new Thread(() -> {
                try (in) {
                    in.transferTo(java.io.OutputStream.nullOutputStream());
                } catch (IOException e) {
                    // the process ended
                }
            }, "drain");
            t.setDaemon(true);
            t.start();
        }

        private static int freePort() throws IOException {
            try (ServerSocket s = new ServerSocket(0)) {
                return s.getLocalPort();
            }
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

}
