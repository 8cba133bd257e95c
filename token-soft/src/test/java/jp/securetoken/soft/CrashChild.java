package jp.securetoken.soft;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import jp.securetoken.api.CredentialUsage;
import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.TokenKey;
import jp.securetoken.testpki.TestPki;

/**
 * Child JVM of {@link CrashSafetyTest}: logs in and renews the credential {@code node} over and
 * over. {@code halt STEP N} halts the JVM the N-th time a write reaches STEP; {@code trace} prints
 * each step so the parent can kill it at chosen moments.
 */
public final class CrashChild {
    private CrashChild() {
    }

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        if (args[1].equals("halt")) {
            AtomicFiles.Step target = AtomicFiles.Step.valueOf(args[2]);
            int occurrence = Integer.parseInt(args[3]);
            AtomicInteger seen = new AtomicInteger();
            AtomicFiles.hook = step -> {
                if (step == target && seen.incrementAndGet() == occurrence) {
                    Runtime.getRuntime().halt(3);
                }
            };
        } else {
            AtomicFiles.hook = step -> {
                System.out.println("STEP " + step);
                System.out.flush();
            };
        }
        TestPki pki = TestPki.create("Crash Child CA");
        try (SecureToken token = SoftTokens.open(file)) {
            token.login(Fixtures.pin(Fixtures.USER_PIN));
            for (int i = 0; i < 200; i++) {
                TokenKey key = token.lifecycle().generateKeyPair("node", KeyAlgorithm.EC_P256);
                token.lifecycle().writeCredential("node", pki.issue("node").certifyChain(key.publicKey()),
                        CredentialUsage.NODE_AUTHENTICATION);
                System.out.println("WROTE " + i);
                System.out.flush();
            }
        }
        System.exit(0);
    }
}
