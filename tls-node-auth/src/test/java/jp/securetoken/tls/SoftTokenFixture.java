package jp.securetoken.tls;

import java.nio.file.Path;
import jp.securetoken.api.PinCallback;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.TokenException;
import jp.securetoken.soft.SoftTokenSettings;
import jp.securetoken.soft.SoftTokens;

/** Creates real software token files for the TLS tests, with the lowest KDF cost so tests stay fast. */
final class SoftTokenFixture {
    private static final char[] ADMIN_PIN = "admin-4321".toCharArray();

    private SoftTokenFixture() {
    }

    static SecureToken create(Path file, char[] userPin) throws TokenException {
        try (PinCallback.Fixed user = PinCallback.fixed(userPin); PinCallback.Fixed admin = PinCallback.fixed(ADMIN_PIN)) {
            SoftTokens.create(file, SoftTokenSettings.builder(file.getFileName().toString()).userPin(user)
                    .administratorPin(admin).kdfIterations(SoftTokenSettings.MIN_KDF_ITERATIONS).build());
        }
        return SoftTokens.open(file);
    }

    /**
     * A closed token file holding credential {@link TestNodes#ALIAS}, key made in the token and certified
     * as {@code certificate} says, for a test's child process to open with {@link TestNodes#PIN}.
     */
    static Path enrolledFile(Path file, jp.securetoken.testpki.TestPki.Issue certificate) throws TokenException {
        try (SecureToken token = create(file, TestNodes.PIN); PinCallback.Fixed pin = PinCallback.fixed(TestNodes.PIN)) {
            token.login(pin);
            token.lifecycle().enroll(TestNodes.ALIAS, jp.securetoken.api.KeyAlgorithm.EC_P256,
                    jp.securetoken.api.CredentialUsage.NODE_AUTHENTICATION, certificate::certifyChain);
        }
        return file;
    }
}
