package jp.securetoken.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A SoftHSM2 token store of its own for tests that run other processes (the CLI, pkcs11-tool):
 * a configuration file and token directory under a test's directory, tokens made with
 * {@code softhsm2-util}, objects made with {@code pkcs11-tool}. Child processes find it through
 * {@link #environment()} ({@code SOFTHSM2_CONF}); this JVM never loads the library, so tokens can
 * be added at any time. A missing {@code softhsm2} or {@code opensc} package fails the test.
 */
public final class SoftHsm2 {
    /** Debian's SoftHSM2 PKCS#11 library. */
    public static final Path MODULE = Path.of("/usr/lib/softhsm/libsofthsm2.so");

    private final Path conf;

    private SoftHsm2(Path conf) {
        this.conf = conf;
    }

    /** A new, empty store under {@code dir}. */
    public static SoftHsm2 create(Path dir) throws IOException {
        require(MODULE, "softhsm2");
        require(Path.of("/usr/bin/softhsm2-util"), "softhsm2");
        require(Path.of("/usr/bin/pkcs11-tool"), "opensc");
        Path tokens = Files.createDirectories(dir.resolve("tokens"));
        Path conf = dir.resolve("softhsm2.conf");
        Files.writeString(conf, "directories.tokendir = " + tokens + "\nobjectstore.backend = file\n"
                + "log.level = ERROR\nslots.removable = false\n");
        return new SoftHsm2(conf);
    }

    private static void require(Path path, String debianPackage) {
        if (!Files.exists(path)) {
            throw new AssertionError(path + " is missing: apt-get install " + debianPackage);
        }
    }

    /** The environment a child process needs to see this store. */
    public Map<String, String> environment() {
        return Map.of("SOFTHSM2_CONF", conf.toString());
    }

    /** The configuration file. */
    public Path configuration() {
        return conf;
    }

    /** The RFC 7512 address of a token of this store. */
    public static String uri(String label) {
        return "pkcs11:token=" + label + "?module-path=" + MODULE;
    }

    /** Initialises a token in the next free slot. */
    public void initToken(String label, String userPin, String soPin) throws IOException {
        run(List.of("softhsm2-util", "--init-token", "--free", "--label", label, "--pin", userPin, "--so-pin", soPin));
    }

    /** Runs {@code pkcs11-tool} on a token of this store, logged in with {@code userPin}; its output. */
    public String pkcs11Tool(String label, String userPin, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("pkcs11-tool", "--module", MODULE.toString(), "--token-label",
                label, "--login", "--pin", userPin));
        cmd.addAll(List.of(args));
        return run(cmd);
    }

    /** Runs {@code pkcs11-tool} with exactly these arguments after {@code --module}; its exit code and output. */
    public Outcome pkcs11ToolRaw(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("pkcs11-tool", "--module", MODULE.toString()));
        cmd.addAll(List.of(args));
        return execute(cmd);
    }

    /** Generates a key pair with pkcs11-tool ({@code rsa:2048}, {@code EC:secp384r1}) and returns its public key. */
    public PublicKey generateKeyPair(String label, String userPin, String keyType, String id, String keyLabel,
            Path work) throws IOException {
        pkcs11Tool(label, userPin, "--keypairgen", "--key-type", keyType, "--id", id, "--label", keyLabel);
        Path pub = work.resolve(label + "-" + id + ".pub");
        pkcs11Tool(label, userPin, "--read-object", "--type", "pubkey", "--id", id, "--output-file", pub.toString());
        try {
            return KeyFactory.getInstance(keyType.toLowerCase(java.util.Locale.ROOT).startsWith("rsa") ? "RSA" : "EC")
                    .generatePublic(new X509EncodedKeySpec(Files.readAllBytes(pub)));
        } catch (java.security.GeneralSecurityException e) {
            throw new AssertionError("pkcs11-tool wrote an unreadable public key", e);
        }
    }

    /** Writes a certificate object with pkcs11-tool. */
    public void writeCertificate(String label, String userPin, X509Certificate cert, String id, String certLabel,
            Path work) throws IOException {
        Path file = work.resolve(label + "-" + id + "-" + Integer.toHexString(certLabel.hashCode()) + ".der");
        try {
            Files.write(file, cert.getEncoded());
        } catch (CertificateEncodingException e) {
            throw new AssertionError(e);
        }
        pkcs11Tool(label, userPin, "--write-object", file.toString(), "--type", "cert", "--id", id, "--label",
                certLabel);
    }

    /**
     * Lays a token out as the official JPKI PKCS#11 library shows a My Number Card (JPKI API
     * specification table 5-2): the private key labelled {@code USERKEY}, the user certificate
     * {@code USERCERT} and the CA certificate {@code CACERT}, each with CKA_ID the SHA-256 of the
     * RSA modulus, the certificates private as the specification says.
     */
    public void jpkiLayout(String label, String userPin, java.security.KeyPair userKeys, X509Certificate user,
            X509Certificate ca, Path work) throws IOException {
        String id;
        try {
            id = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(
                    ((java.security.interfaces.RSAPublicKey) userKeys.getPublic()).getModulus().toByteArray()));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        Path key = work.resolve(label + "-userkey.der");
        Files.write(key, userKeys.getPrivate().getEncoded());
        try {
            pkcs11Tool(label, userPin, "--write-object", key.toString(), "--type", "privkey", "--id", id, "--label",
                    "USERKEY", "--usage-sign");
        } finally {
            Files.delete(key);
        }
        for (Object[] c : new Object[][] {{user, "USERCERT"}, {ca, "CACERT"}}) {
            Path file = work.resolve(label + "-" + c[1] + ".der");
            try {
                Files.write(file, ((X509Certificate) c[0]).getEncoded());
            } catch (CertificateEncodingException e) {
                throw new AssertionError(e);
            }
            pkcs11Tool(label, userPin, "--write-object", file.toString(), "--type", "cert", "--id", id, "--label",
                    (String) c[1], "--private");
        }
    }

    /** A finished process: exit code and merged output. */
    public record Outcome(int exitCode, String output) {
    }

    private String run(List<String> cmd) throws IOException {
        Outcome o = execute(cmd);
        if (o.exitCode() != 0) {
            throw new AssertionError(String.join(" ", cmd) + " failed:\n" + o.output());
        }
        return o.output();
    }

    private Outcome execute(List<String> cmd) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(environment());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", cmd) + " did not finish");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
        return new Outcome(p.exitValue(), out);
    }
}
