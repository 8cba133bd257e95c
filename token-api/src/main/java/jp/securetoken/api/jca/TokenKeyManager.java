package jp.securetoken.api.jca;

import java.net.Socket;
import java.security.Principal;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import jp.securetoken.api.Credential;
import jp.securetoken.api.CredentialSource;
import jp.securetoken.api.TokenException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A JSSE key manager that reads the current credential from a {@link CredentialSource} at every
 * handshake, so a renewed credential is presented by new handshakes without a restart while
 * established connections carry on.
 *
 * <p>Each handshake gets an alias naming one snapshot of the credential; the certificate chain and
 * the key JSSE asks for under that alias belong together even if the credential is replaced in
 * the middle of the handshake.
 */
public final class TokenKeyManager extends X509ExtendedKeyManager {
    private static final Logger LOG = LoggerFactory.getLogger(TokenKeyManager.class);
    private static final int SNAPSHOTS_KEPT = 8;

    private final CredentialSource source;
    private final Map<String, Credential> snapshots = new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Credential> eldest) {
            return size() > SNAPSHOTS_KEPT;
        }
    };

    public TokenKeyManager(CredentialSource source) {
        this.source = source;
    }

    /**
     * The alias of the token's current credential for this handshake.
     *
     * @throws IllegalStateException when the token cannot give its credential (closed, removed, not
     *         logged in): the handshake then fails with the {@link TokenException} as the cause of
     *         its error, instead of going on without a certificate and being refused by the peer
     *         for a reason that hides ours
     */
    @Override
    public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
        return chooseOrFail(keyTypes, issuers);
    }

    /** As {@link #chooseEngineClientAlias}. */
    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return chooseOrFail(new String[] {keyType}, issuers);
    }

    /** As {@link #chooseEngineClientAlias}. */
    @Override
    public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
        return chooseOrFail(keyTypes, issuers);
    }

    /** As {@link #chooseEngineClientAlias}. */
    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return chooseOrFail(new String[] {keyType}, issuers);
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        String alias;
        try {
            alias = choose(new String[] {keyType}, issuers);
        } catch (TokenException e) {
            LOG.warn("No credential: {}", e.getMessage());
            return null;
        }
        return alias == null ? null : new String[] {alias};
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return getClientAliases(keyType, issuers);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        Credential c = snapshot(alias);
        return c == null ? null : c.chain().toArray(new X509Certificate[0]);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        Credential c = snapshot(alias);
        return c == null ? null : TokenPrivateKey.of(c.key());
    }

    private String chooseOrFail(String[] keyTypes, Principal[] issuers) {
        try {
            return choose(keyTypes, issuers);
        } catch (TokenException e) {
            LOG.warn("No credential for the handshake: {}", e.getMessage());
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    private String choose(String[] keyTypes, Principal[] issuers) throws TokenException {
        Credential current = source.current();
        boolean typeFits = keyTypes == null || Arrays.stream(keyTypes).anyMatch(t -> fits(t, current.key().publicKey()));
        if (!typeFits) {
            LOG.debug("Credential {} ({}) does not fit key types {}", current.alias(), current.key().algorithm(),
                    Arrays.toString(keyTypes));
            return null;
        }
        if (!issuedByOneOf(current, issuers)) {
            // A node has one credential: present it anyway, so the peer can say precisely why it refuses it.
            LOG.info("Credential {} is not issued by a CA the peer names; presenting it anyway", current.alias());
        }
        String alias = current.alias() + "@" + fingerprint(current.certificate());
        synchronized (snapshots) {
            snapshots.put(alias, current);
        }
        return alias;
    }

    private Credential snapshot(String alias) {
        synchronized (snapshots) {
            return alias == null ? null : snapshots.get(alias);
        }
    }

    /**
     * Key types as the TLS stacks name them: {@code RSA}, {@code EC}; the JDK's TLS 1.2
     * {@code EC_EC}/{@code EC_RSA} (an EC key); BCJSSE's TLS 1.2 key exchanges {@code ECDHE_ECDSA}
     * (EC), {@code ECDHE_RSA}/{@code DHE_RSA} (RSA) and TLS 1.3 {@code EC/secp256r1} (an EC key on
     * that curve).
     */
    static boolean fits(String keyType, PublicKey key) {
        String algorithm = key.getAlgorithm();
        if (keyType.equals(algorithm)) {
            return true;
        }
        if (keyType.endsWith("HE_RSA")) {
            return "RSA".equals(algorithm);
        }
        if (!"EC".equals(algorithm)) {
            return false;
        }
        if (keyType.endsWith("HE_ECDSA")) {
            return true;
        }
        if (keyType.startsWith("EC_")) {
            return true;
        }
        return keyType.startsWith("EC/") && onCurve((ECPublicKey) key, keyType.substring(3));
    }

    private static boolean onCurve(ECPublicKey key, String curve) {
        try {
            AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
            parameters.init(new ECGenParameterSpec(curve));
            ECParameterSpec named = parameters.getParameterSpec(ECParameterSpec.class);
            ECParameterSpec own = key.getParams();
            return named.getOrder().equals(own.getOrder()) && named.getGenerator().equals(own.getGenerator())
                    && named.getCurve().equals(own.getCurve());
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static boolean issuedByOneOf(Credential credential, Principal[] issuers) {
        if (issuers == null || issuers.length == 0) {
            return true;
        }
        for (X509Certificate cert : credential.chain()) {
            for (Principal p : issuers) {
                if (p.equals(cert.getIssuerX500Principal()) || p.equals(cert.getSubjectX500Principal())) {
                    return true;
                }
            }
        }
        return false;
    }

    private static String fingerprint(X509Certificate certificate) {
        try {
            byte[] sha = java.security.MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
            return HexFormat.of().formatHex(sha, 0, 8);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
