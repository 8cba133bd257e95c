package jp.securetoken.soft;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

import jp.securetoken.api.Credential;
import jp.securetoken.api.CredentialUsage;
import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.PinCallback;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.SignatureScheme;
import jp.securetoken.api.TokenException;
import jp.securetoken.api.TokenKey;
import jp.securetoken.testpki.TestPki;

/** Shared test setup: small KDF cost, known PINs, a test PKI, child JVMs. */
final class Fixtures {
    static final String USER_PIN = "4711-user";
    static final String ADMIN_PIN = "9999-admin";
    static final int FAST_KDF = SoftTokenSettings.MIN_KDF_ITERATIONS;

    private Fixtures() {
    }

    static PinCallback pin(String pin) {
        return request -> pin.toCharArray();
    }

    static SoftTokenSettings.Builder settings(String label) {
        return SoftTokenSettings.builder(label).userPin(pin(USER_PIN)).administratorPin(pin(ADMIN_PIN))
                .kdfIterations(FAST_KDF);
    }

    /** A new empty token file {@code dir/name.stk}. */
    static Path create(Path dir, String name) throws TokenException {
        Path file = dir.resolve(name + ".stk");
        SoftTokens.create(file, settings(name).build());
        return file;
    }

    /** Generates a key for {@code alias}, has {@code pki} certify it and writes the chain. Token logged in. */
    static Credential issue(SecureToken token, TestPki pki, String alias, KeyAlgorithm algorithm)
            throws TokenException {
        TokenKey key = token.lifecycle().generateKeyPair(alias, algorithm);
        List<X509Certificate> chain = pki.issue(alias).clientAuth().certifyChain(key.publicKey());
        return token.lifecycle().writeCredential(alias, chain, CredentialUsage.NODE_AUTHENTICATION);
    }

    static boolean verifies(PublicKey key, SignatureScheme scheme, byte[] data, byte[] signature) throws Exception {
        Signature v = Signature.getInstance(scheme.jcaAlgorithm());
        if (scheme.jcaParameters().isPresent()) {
            v.setParameter(scheme.jcaParameters().get());
        }
        v.initVerify(key);
        v.update(data);
        return v.verify(signature);
    }

    /** Starts {@code main} in a child JVM with the test class path. */
    static Process startChild(Class<?> main, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("-Xshare:auto");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    static BufferedReader lines(Process p) {
        return new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    }

    /** Reads lines until one equals {@code expected}; fails if the child ends first. */
    static void awaitLine(BufferedReader in, String expected) throws IOException {
        String line;
        while ((line = in.readLine()) != null) {
            if (line.equals(expected)) {
                return;
            }
        }
        throw new AssertionError("child ended before printing " + expected);
    }
}
