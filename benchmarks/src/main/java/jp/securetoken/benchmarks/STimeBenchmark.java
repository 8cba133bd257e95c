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
import jp.securetoken.testpki.TestPki;

/**
 * An outside client measures us: {@code openssl s_time -new} (mutual TLS, full handshakes, one
 * client process) against {@code nodeauth serve} on each stack with a soft-token key, and against
 * {@code openssl s_server} with an in-memory key of the same type, rounds alternated; prints
 * handshakes in the round time and the ratio to s_server (medians).
 *
 * <p>Arguments: {@code [seconds-per-round] [rounds]}, default {@code 8 3}. Needs {@code bin/nodeauth}
 * built ({@code scripts/benchmark.sh} does it) and Debian's {@code openssl}.
 */
public final class STimeBenchmark {
    private static final Pattern CONNECTIONS = Pattern.compile("(\\d+) connections in (\\d+) real seconds");
    private static final String PIN = "bench-pin";

    private STimeBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path dir = Files.createTempDirectory("securetoken-stime");
        TestPki pki = TestPki.create("Benchmark CA");
        Files.writeString(dir.resolve("ca.pem"), HeldCertificate.pem(pki.caCertificate()));
        System.out.printf(Locale.ROOT, "openssl s_time -new (mutual TLS, full handshakes) for %d s x %d rounds, "
                + "alternated, %d cores%n", seconds, rounds, Runtime.getRuntime().availableProcessors());
        System.out.printf(Locale.ROOT, "%-9s %-16s %10s %10s%n", "key", "server", "handshakes", "ratio");
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
            for (String stack : List.of("jdk", "openssl", "bcjsse")) {
                // one token file per serve process (a token file is opened by one process at a time)
                try (SecureToken token = BenchTokens.node(dir, "gateway-" + name + "-" + stack, algorithm, pki)) {
                    // complete once enrolled; serve opens it itself
                }
            }
            Map<String, double[]> results = new LinkedHashMap<>();
            List<String> servers = List.of("openssl s_server", "serve jdk", "serve openssl", "serve bcjsse");
            servers.forEach(s -> results.put(s, new double[rounds]));
            Map<String, Server> running = new LinkedHashMap<>();
            try {
                for (String server : servers) {
                    Server s = server.startsWith("openssl") ? Server.sServer(dir, name)
                            : Server.serve(dir, name, server.substring(6));
                    running.put(server, s);
                    sTime(dir, name, s.port, Math.max(3, seconds / 2)); // warm-up (JIT), not counted
                }
                for (int r = 0; r < rounds; r++) {
                    for (String server : servers) {
                        results.get(server)[r] = sTime(dir, name, running.get(server).port, seconds);
                    }
                }
            } finally {
                for (Server s : running.values()) {
                    s.close();
                }
            }
            double baseline = median(results.get("openssl s_server"));
            for (String server : servers) {
                double m = median(results.get(server));
                System.out.printf(Locale.ROOT, "%-9s %-16s %10.0f %10.2f%n", algorithm, server, m, m / baseline);
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

        static Server serve(Path dir, String name, String stack) throws Exception {
            Path nodeauth = Path.of(System.getProperty("securetoken.root", ".")).resolve("bin/nodeauth");
            ProcessBuilder pb = new ProcessBuilder(nodeauth.toString(), "serve", "--token",
                    dir.resolve("gateway-" + name + "-" + stack + ".stk").toString(), "--alias", BenchTokens.ALIAS, "--ca", "ca.pem",
                    "--port", "0", "--pin-env", "BENCH_PIN", "--stack", stack).directory(dir.toFile())
                    .redirectError(dir.resolve("serve-" + name + "-" + stack + ".err").toFile());
            pb.environment().put("BENCH_PIN", PIN);
            pb.environment().put("NODEAUTH_JAVA_OPTS", "-Xshare:auto");
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
                        + Files.readString(dir.resolve("serve-" + name + "-" + stack + ".err")));
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
