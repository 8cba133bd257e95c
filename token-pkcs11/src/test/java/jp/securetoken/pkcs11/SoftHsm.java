package jp.securetoken.pkcs11;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import jp.securetoken.api.PinCallback;
import jp.securetoken.testpki.TestPki;

/**
 * The SoftHSM2 the tests use, made once per test JVM: its own token directory and configuration
 * under {@code target/softhsm} (surefire points {@code SOFTHSM2_CONF} there), one token per test
 * class initialised with {@code softhsm2-util}, and tokens prepared with {@code pkcs11-tool} before
 * the library is loaded in this JVM. SoftHSM2 reads its token directory when the library is
 * initialised, so every token must exist before the first test opens one.
 */
final class SoftHsm {
    static final Path MODULE = Path.of("/usr/lib/softhsm/libsofthsm2.so");
    static final String USER_PIN = "4711-user";
    static final String SO_PIN = "9999-officer";
    /** Tokens, one per test class. */
    static final List<String> LABELS = List.of("signing", "pins", "locked", "credentials", "external", "gateway",
            "clinic", "userdata", "conformance", "open", "degraded", "pin-change", "pin-wrong", "pin-unlock", "so-change",
            "anchors", "recheck", "recheck-tool");
    /** The CA that certified the keys pkcs11-tool generated in token {@code external}. */
    static final TestPki EXTERNAL_CA = TestPki.create("External Tools CA");

    private static final class Holder {
        static final SoftHsm INSTANCE = create();
    }

    final Path dir;

    private SoftHsm(Path dir) {
        this.dir = dir;
    }

    /** The prepared SoftHSM, made at first use. */
    static SoftHsm get() {
        return Holder.INSTANCE;
    }

    static PinCallback userPin() {
        return request -> USER_PIN.toCharArray();
    }

    static PinCallback pin(String pin) {
        return request -> pin.toCharArray();
    }

    /** Whether {@code signature} verifies over {@code data} with JCA's own providers. */
    static boolean verifies(PublicKey key, jp.securetoken.api.SignatureScheme scheme, byte[] data, byte[] signature)
            throws java.security.GeneralSecurityException {
        java.security.Signature v = java.security.Signature.getInstance(scheme.jcaAlgorithm());
        if (scheme.jcaParameters().isPresent()) {
            v.setParameter(scheme.jcaParameters().get());
        }
        v.initVerify(key);
        v.update(data);
        return v.verify(signature);
    }

    /** Opens a prepared token by its label. */
    static jp.securetoken.api.SecureToken open(String label) throws jp.securetoken.api.TokenException {
        get();
        return jp.securetoken.api.SecureTokens.discover().open(uri(label));
    }

    /** The address of a token prepared here. */
    static String uri(String label) {
        return "pkcs11:token=" + label + "?module-path=" + MODULE;
    }

    private static SoftHsm create() {
        try {
            String dirProperty = System.getProperty("softhsm.dir");
            String conf = System.getenv("SOFTHSM2_CONF");
            if (dirProperty == null || conf == null) {
                throw new AssertionError("Run the tests with Maven: surefire sets SOFTHSM2_CONF and softhsm.dir");
            }
            require(MODULE, "the softhsm2 package (apt-get install softhsm2)");
            require(Path.of("/usr/bin/softhsm2-util"), "the softhsm2 package (apt-get install softhsm2)");
            require(Path.of("/usr/bin/pkcs11-tool"), "the opensc package (apt-get install opensc)");
            Path dir = Path.of(dirProperty);
            Path tokens = dir.resolve("tokens");
            if (Files.exists(tokens)) {
                try (Stream<Path> walk = Files.walk(tokens)) {
                    for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                        Files.delete(p);
                    }
                }
            }
            Files.createDirectories(tokens);
            if (!Path.of(conf).toAbsolutePath().equals(dir.resolve("softhsm2.conf").toAbsolutePath())) {
                throw new AssertionError("SOFTHSM2_CONF is " + conf + ", expected " + dir.resolve("softhsm2.conf"));
            }
            Files.writeString(Path.of(conf), "directories.tokendir = " + tokens + "\nobjectstore.backend = file\n"
                    + "log.level = ERROR\nslots.removable = false\n");
            for (String label : LABELS) {
                run("softhsm2-util", "--init-token", "--free", "--label", label, "--pin", USER_PIN, "--so-pin", SO_PIN);
            }
            SoftHsm hsm = new SoftHsm(dir);
            hsm.lockUserPin("locked");
            hsm.prepareExternal();
            return hsm;
        } catch (IOException e) {
            throw new AssertionError("preparing SoftHSM2 failed", e);
        }
    }

    private static void require(Path path, String what) {
        if (!Files.exists(path)) {
            throw new AssertionError(path + " is missing: install " + what);
        }
    }

    /**
     * Sets CKF_USER_PIN_LOCKED in the token's stored flags. SoftHSM2 never locks a PIN itself (it
     * only sets "count low"), so a token whose flags say "locked" is made by editing the flags
     * attribute (vendor attribute 0x8000534B, an 8-byte big-endian value) in its token.object file.
     */
    private void lockUserPin(String label) throws IOException {
        for (Path tokenDir : tokenDirs()) {
            Path object = tokenDir.resolve("token.object");
            byte[] data = Files.readAllBytes(object);
            if (!new String(data, StandardCharsets.ISO_8859_1).contains(label + " ")) {
                continue;
            }
            byte[] pattern = HexFormat.of().parseHex("000000008000534b0000000000000002");
            int at = indexOf(data, pattern);
            if (at < 0) {
                throw new AssertionError("token flags attribute not found in " + object);
            }
            ByteBuffer buffer = ByteBuffer.wrap(data);
            long flags = buffer.getLong(at + pattern.length);
            buffer.putLong(at + pattern.length, flags | 0x40000L);
            Files.write(object, data);
            return;
        }
        throw new AssertionError("no token directory holds token " + label);
    }

    private List<Path> tokenDirs() throws IOException {
        try (Stream<Path> s = Files.list(dir.resolve("tokens"))) {
            return s.filter(Files::isDirectory).toList();
        }
    }

    private static int indexOf(byte[] data, byte[] pattern) {
        outer:
        for (int i = 0; i + pattern.length + 8 <= data.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (data[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /**
     * Token {@code external}: an RSA key pair generated by pkcs11-tool (CKA_ID 01, label node) with a
     * certificate imported by pkcs11-tool, and a key pair (CKA_ID 02) whose certificate carries
     * another key (label mismatch).
     */
    private void prepareExternal() throws IOException {
        Path work = dir.resolve("external");
        Files.createDirectories(work);
        pkcs11Tool("--keypairgen", "--key-type", "rsa:2048", "--id", "01", "--label", "node");
        pkcs11Tool("--keypairgen", "--key-type", "EC:prime256v1", "--id", "02", "--label", "mismatch");
        Path pub = work.resolve("node.pub");
        pkcs11Tool("--read-object", "--type", "pubkey", "--id", "01", "--output-file", pub.toString());
        PublicKey nodeKey;
        try {
            nodeKey = KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(Files.readAllBytes(pub)));
        } catch (java.security.GeneralSecurityException e) {
            throw new AssertionError("pkcs11-tool wrote an unreadable public key", e);
        }
        writeCert(work, "01", "node", EXTERNAL_CA.issue("external-node").clientAuth().certify(nodeKey));
        // pairs that share only a CKA_LABEL: keys with ID 03/05, their certificates with ID 04/06
        pkcs11Tool("--keypairgen", "--key-type", "EC:prime256v1", "--id", "03", "--label", "by-label");
        pkcs11Tool("--keypairgen", "--key-type", "rsa:2048", "--id", "05", "--label", "by-label-rsa");
        writeCert(work, "04", "by-label", EXTERNAL_CA.issue("by-label").clientAuth().certify(
                readPublicKey(work, "03", "EC")));
        writeCert(work, "06", "by-label-rsa", EXTERNAL_CA.issue("by-label-rsa").clientAuth().certify(
                readPublicKey(work, "05", "RSA")));
        Path ca = work.resolve("ca.der");
        try {
            Files.write(ca, EXTERNAL_CA.caCertificate().getEncoded());
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new AssertionError(e);
        }
        pkcs11Tool("--write-object", ca.toString(), "--type", "cert", "--id", "ca", "--label", "External Tools CA");
        X509Certificate other = EXTERNAL_CA.issue("someone-else").clientAuth().certify(TestPki.Keys.ecP256()
                .getPublic());
        writeCert(work, "02", "mismatch", other);
    }

    private static PublicKey readPublicKey(Path work, String id, String algorithm) throws IOException {
        Path pub = work.resolve(id + ".pub");
        pkcs11Tool("--read-object", "--type", "pubkey", "--id", id, "--output-file", pub.toString());
        try {
            return KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(Files.readAllBytes(pub)));
        } catch (java.security.GeneralSecurityException e) {
            throw new AssertionError("pkcs11-tool wrote an unreadable public key", e);
        }
    }

    private void writeCert(Path work, String id, String label, X509Certificate cert) throws IOException {
        Path file = work.resolve(label + ".der");
        try {
            Files.write(file, cert.getEncoded());
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new AssertionError(e);
        }
        pkcs11Tool("--write-object", file.toString(), "--type", "cert", "--id", id, "--label", label);
    }

    private static void pkcs11Tool(String... args) throws IOException {
        pkcs11ToolOn("external", args);
    }

    /** Runs {@code pkcs11-tool} logged in to token {@code label}: another process changing the token. */
    static String pkcs11ToolOn(String label, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("pkcs11-tool", "--module", MODULE.toString(), "--token-label",
                label, "--login", "--pin", USER_PIN));
        cmd.addAll(List.of(args));
        return run(cmd.toArray(new String[0]));
    }

    static String run(String... cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new AssertionError(String.join(" ", cmd) + " failed:\n" + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
        return out;
    }
}
