package jp.securetoken.examples;

import java.nio.file.Path;
import java.util.function.UnaryOperator;
import javax.security.auth.x500.X500Principal;
import jp.securetoken.api.CredentialUsage;
import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.PinCallback;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.TokenException;
import jp.securetoken.jpki.emulator.JpkiCardIdentity;
import jp.securetoken.soft.SoftTokenSettings;
import jp.securetoken.soft.SoftTokens;
import jp.securetoken.testpki.HeldCertificate;
import jp.securetoken.testpki.TestPki;
import org.bouncycastle.asn1.x509.KeyUsage;

/**
 * The nodes of an example: each a software token in the example's directory, its key generated
 * inside the token and certified by the example's own CA. Real deployments receive their token
 * from the issuing organisation instead.
 */
final class ExampleNodes {
    static final String ALIAS = "node";
    private static final char[] EXAMPLE_PIN = "example-pin".toCharArray();

    private final Path dir;
    private final TestPki ca;

    ExampleNodes(Path dir, TestPki ca) {
        this.dir = dir;
        this.ca = ca;
    }

    TestPki ca() {
        return ca;
    }

    /**
     * An emulated My Number Card whose user-authentication certificate {@code jpkiAuthCa} issued
     * to the card identifier {@code id} (JPKI puts no personal data in that certificate).
     */
    static JpkiCardIdentity myNumberCard(TestPki jpkiAuthCa, String id) {
        HeldCertificate auth = jpkiAuthCa.issue(new X500Principal("CN=" + id + ", C=JP"))
                .keyUsage(KeyUsage.digitalSignature).keyPair(TestPki.Keys.rsa(2048)).build();
        return JpkiCardIdentity.builder().authCredential(auth.keyPair().getPrivate(), auth.certificate(),
                jpkiAuthCa.caCertificate()).build();
    }

    /** A logged-in token holding credential {@value #ALIAS} for {@code nodeName}. */
    SecureToken node(String nodeName, UnaryOperator<TestPki.Issue> certificate) throws TokenException {
        SecureToken token = empty(dir, nodeName);
        token.lifecycle().enroll(ALIAS, KeyAlgorithm.EC_P256, CredentialUsage.NODE_AUTHENTICATION,
                certificate.apply(ca.issue(nodeName))::certifyChain);
        return token;
    }

    /** A new, empty software token {@code dir/name.stk}, logged in. */
    static SecureToken empty(Path dir, String name) throws TokenException {
        Path file = dir.resolve(name + ".stk");
        try (PinCallback.Fixed pin = PinCallback.fixed(EXAMPLE_PIN)) {
            SoftTokens.create(file, SoftTokenSettings.builder(name).userPin(pin).administratorPin(pin)
                    .kdfIterations(SoftTokenSettings.MIN_KDF_ITERATIONS).build());
            SecureToken token = SoftTokens.open(file);
            token.login(pin);
            return token;
        }
    }
}
