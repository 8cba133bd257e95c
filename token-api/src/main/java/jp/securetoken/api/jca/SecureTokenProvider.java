package jp.securetoken.api.jca;

import java.security.Provider;
import java.security.Security;
import java.util.List;
import java.util.Map;

/**
 * The JCA bridge: a {@link Provider} named {@value #NAME} with a {@code KeyStore} of type
 * {@value #KEYSTORE_TYPE} over tokens and {@code Signature} services for {@link TokenPrivateKey}s,
 * so that JSSE, Netty, {@code HttpClient} and other JCA users sign with a token key without knowing
 * it. The signature services accept only token keys; every other key goes to the standard
 * providers through JCA's delayed provider selection.
 *
 * <p>JSSE looks signature algorithms up among installed providers, so install it once:
 * {@code SecureTokenProvider.install()}.
 */
public final class SecureTokenProvider extends Provider {
    private static final long serialVersionUID = 1L;

    public static final String NAME = "SecureToken";
    public static final String KEYSTORE_TYPE = "SecureToken";

    private static final String KEY_CLASSES = TokenPrivateKey.Rsa.class.getName() + "|"
            + TokenPrivateKey.Ec.class.getName();

    public SecureTokenProvider() {
        super(NAME, "0.1", "securetoken: signatures and key stores backed by secure tokens");
        putService(new KeyStoreService(this));
        signature("SHA1withRSA", TokenSignatureSpi.Mode.PKCS1, "SHA-1");
        signature("SHA256withRSA", TokenSignatureSpi.Mode.PKCS1, "SHA-256");
        signature("SHA384withRSA", TokenSignatureSpi.Mode.PKCS1, "SHA-384");
        signature("SHA512withRSA", TokenSignatureSpi.Mode.PKCS1, "SHA-512");
        signature("NONEwithRSA", TokenSignatureSpi.Mode.PKCS1_DIGEST_INFO, null);
        signature("RSASSA-PSS", TokenSignatureSpi.Mode.PSS, null);
        signature("SHA256withRSAandMGF1", TokenSignatureSpi.Mode.PSS, "SHA-256");
        signature("SHA384withRSAandMGF1", TokenSignatureSpi.Mode.PSS, "SHA-384");
        signature("SHA512withRSAandMGF1", TokenSignatureSpi.Mode.PSS, "SHA-512");
        signature("SHA256withECDSA", TokenSignatureSpi.Mode.ECDSA, "SHA-256");
        signature("SHA384withECDSA", TokenSignatureSpi.Mode.ECDSA, "SHA-384");
        signature("SHA512withECDSA", TokenSignatureSpi.Mode.ECDSA, "SHA-512");
        signature("NONEwithECDSA", TokenSignatureSpi.Mode.ECDSA_RAW, null);
    }

    /** Installs the provider (at the lowest priority) unless one is installed already; returns the installed one. */
    public static synchronized Provider install() {
        Provider existing = Security.getProvider(NAME);
        if (existing != null) {
            return existing;
        }
        SecureTokenProvider provider = new SecureTokenProvider();
        Security.addProvider(provider);
        return provider;
    }

    private void signature(String algorithm, TokenSignatureSpi.Mode mode, String digest) {
        putService(new SignatureService(this, algorithm, mode, digest));
    }

    private static final class SignatureService extends Service {
        private final TokenSignatureSpi.Mode mode;
        private final String digest;

        SignatureService(Provider provider, String algorithm, TokenSignatureSpi.Mode mode, String digest) {
            super(provider, "Signature", algorithm, TokenSignatureSpi.class.getName(), List.of(),
                    Map.of("SupportedKeyClasses", KEY_CLASSES));
            this.mode = mode;
            this.digest = digest;
        }

        @Override
        public Object newInstance(Object constructorParameter) {
            return new TokenSignatureSpi(mode, digest);
        }
    }

    private static final class KeyStoreService extends Service {
        KeyStoreService(Provider provider) {
            super(provider, "KeyStore", KEYSTORE_TYPE, TokenKeyStoreSpi.class.getName(), List.of(), Map.of());
        }

        @Override
        public Object newInstance(Object constructorParameter) {
            return new TokenKeyStoreSpi();
        }
    }
}
