package jp.securetoken.benchmarks;

import java.io.ByteArrayInputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jp.securetoken.api.CommandQueue;
import jp.securetoken.api.CredentialSource;
import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.SignatureScheme;
import jp.securetoken.api.TokenKey;
import jp.securetoken.api.jca.TokenKeyManager;
import jp.securetoken.testpki.HeldCertificate;
import jp.securetoken.testpki.TestPki;
import jp.securetoken.tls.trust.NodeTrustManager;
import jp.securetoken.tls.trust.TrustPolicy;

/**
 * The Java work of one server handshake of {@code nodeauth serve}, piece by piece and in isolation,
 * against OpenSSL's signing rate measured in the same run ({@code openssl speed}): the token's
 * signature (a soft-token key, as the native stack asks for it: a digest queued at the token and
 * awaited), the same signature straight through the JDK, the choice of the credential (read from
 * the token at every handshake), the validation of the client's chain ({@code NodeTrustManager},
 * the benchmark PKI of {@link STimeBenchmark}: EC P-256 CA) and one hand-over to a token's queue
 * thread and back. Each piece runs on one thread, one operation after another (as a single
 * {@code s_time} client makes the server do), first for the warm-up and then measured; printed as
 * operations per second, microseconds each (wall clock and the process's CPU time) and, for
 * signatures, the ratio to OpenSSL's rate by CPU time ({@code openssl speed} divides by its CPU
 * time too, so a busy machine moves the ratio less than the wall-clock rates).
 *
 * <p>Argument: {@code [seconds]} per piece, default 3.
 */
public final class ServerWorkBenchmark {
    private static final Pattern SPEED = Pattern.compile("(?m)^(rsa 2048 bits|\\s*256 bits ecdsa \\(nistp256\\))"
            + "\\s+\\S+s\\s+\\S+s\\s+([0-9.]+)");

    private ServerWorkBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        Path dir = Files.createTempDirectory("securetoken-server-work");
        TestPki pki = TestPki.create("Benchmark CA");
        NodeTrustManager trust = new NodeTrustManager(TrustPolicy.builder().trustAnchors(pki.caCertificate()).build(),
                NodeTrustManager.PeerRole.CLIENT);
        byte[] digest = MessageDigest.getInstance("SHA-256").digest("a TLS 1.3 transcript".getBytes(
                StandardCharsets.US_ASCII));
        System.out.printf(Locale.ROOT, "one thread, one operation after another, %d s each after %d s warm-up, "
                + "%d cores%n", seconds, seconds, Runtime.getRuntime().availableProcessors());
        System.out.printf(Locale.ROOT, "%-52s %8s %8s %8s %6s%n", "operation", "per s", "us each", "CPU us",
                "ratio");
        for (KeyAlgorithm algorithm : new KeyAlgorithm[] {KeyAlgorithm.RSA_2048, KeyAlgorithm.EC_P256}) {
            boolean rsa = algorithm == KeyAlgorithm.RSA_2048;
            double openssl = opensslSignsPerSecond(rsa ? "rsa2048" : "ecdsap256", seconds);
            print("openssl speed " + (rsa ? "rsa2048" : "ecdsap256") + " sign (the s_server's key)",
                    new double[] {openssl, 1e6 / openssl}, openssl);
            try (SecureToken token = BenchTokens.node(dir, "work-" + algorithm, algorithm, pki)) {
                TokenKey key = token.credential(BenchTokens.ALIAS).key();
                KeyPair plain = rsa ? TestPki.Keys.rsa(2048) : TestPki.Keys.ecP256();
                if (rsa) {
                    print("soft token rsa_pss_rsae_sha256 (TLS 1.3, native stack)",
                            rate(seconds, () -> key.signDigestAsync(SignatureScheme.RSA_PSS_SHA256, digest).join()),
                            openssl);
                    print("soft token rsa_pkcs1_sha256 (TLS 1.2)",
                            rate(seconds, () -> key.signDigestAsync(SignatureScheme.RSA_PKCS1_SHA256, digest).join()),
                            openssl);
                    Signature pss = Signature.getInstance("RSASSA-PSS");
                    pss.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
                    print("JDK RSASSA-PSS, in-memory key", rate(seconds, () -> sign(pss, plain, digest)), openssl);
                    print("JDK SHA256withRSA, in-memory key", rate(seconds, () -> sign(
                            Signature.getInstance("SHA256withRSA"), plain, digest)), openssl);
                } else {
                    print("soft token ecdsa_secp256r1_sha256", rate(seconds, () -> key.signDigestAsync(
                            SignatureScheme.ECDSA_P256_SHA256, digest).join()), openssl);
                    print("JDK SHA256withECDSA, in-memory key", rate(seconds, () -> sign(
                            Signature.getInstance("SHA256withECDSA"), plain, digest)), openssl);
                }
                TokenKeyManager keys = new TokenKeyManager(CredentialSource.of(token, BenchTokens.ALIAS));
                print("credential choice (token read, chain, key handle)", rate(seconds, () -> {
                    String alias = keys.chooseEngineServerAlias(rsa ? "RSA" : "EC", null, null);
                    return keys.getCertificateChain(alias).length + (keys.getPrivateKey(alias) == null ? 0 : 1);
                }), 0);
                HeldCertificate client = pki.issue("clinic-work").clientAuth().keyPair(plain).build();
                List<byte[]> received = new ArrayList<>();
                for (X509Certificate c : client.chain()) {
                    received.add(c.getEncoded());
                }
                CertificateFactory x509 = CertificateFactory.getInstance("X.509");
                // parsed anew each time, as the engine hands the trust manager what came off the wire
                // (a certificate object verified once remembers it, which would hide the signature check)
                print("client chain parse + validation (NodeTrustManager)", rate(seconds, () -> {
                    X509Certificate[] chain = new X509Certificate[received.size()];
                    for (int i = 0; i < chain.length; i++) {
                        chain[i] = (X509Certificate) x509.generateCertificate(new ByteArrayInputStream(
                                received.get(i)));
                    }
                    trust.checkClientTrusted(chain, rsa ? "RSA" : "EC");
                    return chain;
                }), 0);
            }
        }
        try (CommandQueue queue = new CommandQueue("bench")) {
            print("hand-over to a queue thread and back (no work)", rate(seconds, () -> queue.submit(() -> 0).join()),
                    0);
        }
    }

    private static Object sign(Signature s, KeyPair key, byte[] data) throws Exception {
        s.initSign(key.getPrivate());
        s.update(data);
        return s.sign();
    }

    /**
     * Operations per second of {@code op} on this thread, measured after as long a warm-up, and the
     * process's CPU time per operation (every thread: a token's queue too; on a busy machine the
     * wall-clock rate drops, the CPU time much less).
     */
    private static double[] rate(int seconds, Operation op) throws Exception {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        Object sink = null;
        for (int phase = 0; phase < 2; phase++) {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            long start = System.nanoTime();
            long cpu = os.getProcessCpuTime();
            long n = 0;
            long now;
            do {
                sink = op.run();
                n++;
                now = System.nanoTime();
            } while (now < end);
            if (phase == 1 && sink != null) {
                return new double[] {n * 1e9 / (now - start), (os.getProcessCpuTime() - cpu) / 1e3 / n};
            }
        }
        throw new IllegalStateException("the operation returned nothing");
    }

    private static double opensslSignsPerSecond(String algorithm, int seconds) throws Exception {
        Process p = new ProcessBuilder("openssl", "speed", "-seconds", Integer.toString(seconds), algorithm)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(seconds * 4L + 30, TimeUnit.SECONDS);
        Matcher m = SPEED.matcher(out);
        if (!m.find()) {
            throw new IllegalStateException("openssl speed printed no " + algorithm + " sign/s:\n" + out);
        }
        return Double.parseDouble(m.group(2));
    }

    private static void print(String what, double[] measured, double openssl) {
        System.out.printf(Locale.ROOT, "%-52s %8.0f %8.1f %8.1f %6s%n", what, measured[0], 1e6 / measured[0],
                measured[1], openssl > 0 ? String.format(Locale.ROOT, "%.2f", 1e6 / openssl / measured[1]) : "");
    }

    @FunctionalInterface
    private interface Operation {
        Object run() throws Exception;
    }
}
