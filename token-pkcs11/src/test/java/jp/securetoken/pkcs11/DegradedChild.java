package jp.securetoken.pkcs11;

import java.nio.charset.StandardCharsets;
import java.util.TreeSet;

import jp.securetoken.api.CapabilityNotSupportedException;
import jp.securetoken.api.Credential;
import jp.securetoken.api.CredentialUsage;
import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.OperationNotSupportedException;
import jp.securetoken.api.PinIncorrectException;
import jp.securetoken.api.PinRole;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.SecureTokens;
import jp.securetoken.api.SignatureScheme;
import jp.securetoken.api.TokenKey;
import jp.securetoken.api.TokenUriException;
import jp.securetoken.testpki.TestPki;

/**
 * Runs in a JVM started without {@code --add-exports} for the JDK's PKCS#11 wrapper and prints
 * what works there, one {@code name=value} line each. Argument: the token's slot id.
 */
public final class DegradedChild {
    private DegradedChild() {
    }

    public static void main(String[] args) throws Exception {
        String slot = args[0];
        print("wrapper", CryptokiAccess.available());
        try {
            SecureTokens.discover().open(SoftHsm.uri("degraded"));
            print("byLabel", "opened");
        } catch (TokenUriException e) {
            print("byLabel", "refused");
        }
        TestPki pki = TestPki.create("Degraded CA");
        byte[] data = "data".getBytes(StandardCharsets.UTF_8);
        try (SecureToken token = SecureTokens.discover().open("pkcs11:slot-id=" + slot + "?module-path="
                + SoftHsm.MODULE)) {
            print("schemes", new TreeSet<>(token.signatureSchemes().stream().map(SignatureScheme::tlsName).toList()));
            try {
                token.pinStatus(PinRole.USER);
                print("pinStatus", "read");
            } catch (OperationNotSupportedException e) {
                print("pinStatus", "unsupported");
            }
            try {
                token.login(SoftHsm.pin("0000-wrong"));
            } catch (PinIncorrectException e) {
                print("wrongPin", e.retriesKnown() ? "retries-known" : "retries-unknown");
            }
            token.login(SoftHsm.userPin());
            for (KeyAlgorithm a : new KeyAlgorithm[] {KeyAlgorithm.EC_P256, KeyAlgorithm.RSA_2048}) {
                TokenKey key = token.lifecycle().generateKeyPair(a.name(), a);
                token.lifecycle().writeCredential(a.name(), pki.issue(a.name()).clientAuth().certifyChain(
                        key.publicKey()), CredentialUsage.NODE_AUTHENTICATION);
                Credential c = token.credential(a.name());
                SignatureScheme scheme = a == KeyAlgorithm.EC_P256 ? SignatureScheme.ECDSA_P256_SHA256
                        : SignatureScheme.RSA_PKCS1_SHA256;
                print("sign-" + a.name(), SoftHsm.verifies(c.certificate().getPublicKey(), scheme, data,
                        c.key().sign(scheme, data)) ? "verified" : "bad");
            }
            try {
                token.userData();
                print("userData", "present");
            } catch (CapabilityNotSupportedException e) {
                print("userData", "absent");
            }
        }
        try {
            new Pkcs11TokenProvider(SoftHsm.MODULE, java.time.Duration.ofSeconds(1)).presentTokens();
            print("list", "listed");
        } catch (OperationNotSupportedException e) {
            print("list", "unsupported");
        }
        print("done", true);
    }

    private static void print(String name, Object value) {
        System.out.println(name + "=" + value);
    }
}
