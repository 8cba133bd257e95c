package jp.securetoken.tls;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.WeakHashMap;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import jp.securetoken.api.TokenKey;
import jp.securetoken.api.jca.TokenKeyManager;
import jp.securetoken.api.jca.TokenPrivateKey;

/**
 * The token key manager as the native (BoringSSL) engine needs it: the engine gets the certificate
 * chain but no private key (it could not read one), and the key chosen for each engine is
 * remembered so that {@link TokenAsyncKeyMethod} signs that engine's handshake with it. The
 * credential is asked of the token at every handshake, as on the JDK stack, so a renewed credential
 * serves new handshakes at once (a PKCS#11 token answers from memory and reads its objects again at
 * most a second later, see token-pkcs11's README).
 */
final class NativeTokenKeyManager extends X509ExtendedKeyManager {
    private final TokenKeyManager tokens;
    private final Map<SSLEngine, TokenKey> keyOfEngine = new WeakHashMap<>();

    NativeTokenKeyManager(TokenKeyManager tokens) {
        this.tokens = tokens;
    }

    /** The token key whose certificate this engine presents, or null when it chose none. */
    TokenKey keyFor(SSLEngine engine) {
        synchronized (keyOfEngine) {
            return keyOfEngine.get(engine);
        }
    }

    @Override
    public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
        return remember(engine, tokens.chooseEngineClientAlias(keyTypes, issuers, engine));
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return remember(engine, tokens.chooseEngineServerAlias(keyType, issuers, engine));
    }

    private String remember(SSLEngine engine, String alias) {
        if (alias != null && tokens.getPrivateKey(alias) instanceof TokenPrivateKey key) {
            synchronized (keyOfEngine) {
                keyOfEngine.put(engine, key.tokenKey());
            }
        }
        return alias;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        return tokens.getCertificateChain(alias);
    }

    /** None: the key stays in the token, and the engine signs through {@link TokenAsyncKeyMethod}. */
    @Override
    public PrivateKey getPrivateKey(String alias) {
        return null;
    }

    @Override
    public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
        return null;
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return null;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return tokens.getClientAliases(keyType, issuers);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return tokens.getServerAliases(keyType, issuers);
    }
}
