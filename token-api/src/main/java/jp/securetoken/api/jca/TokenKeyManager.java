package jp.securetoken.api.jca;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
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

    @Override
    public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
        return choose(keyTypes, issuers);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return choose(new String[] {keyType}, issuers);
    }

    @Override
    public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
        return choose(keyTypes, issuers);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return choose(new String[] {keyType}, issuers);
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        String alias = choose(new String[] {keyType}, issuers);
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

    private String choose(String[] keyTypes, Principal[] issuers) {
        Credential current;
        try {
            current = source.current();
        } catch (TokenException e) {
            LOG.warn("No credential for the handshake: {}", e.getMessage());
            return null;
        }
        String algorithm = current.key().algorithm();
        boolean typeFits = keyTypes == null || Arrays.stream(keyTypes).anyMatch(t -> fits(t, algorithm));
        if (!typeFits) {
            LOG.debug("Credential {} ({}) does not fit key types {}", current.alias(), algorithm, Arrays.toString(keyTypes));
            return null;
        }
        if (!issuedByOneOf(current, issuers)) {
            LOG.info("Credential {} is not issued by any CA the peer accepts", current.alias());
            return null;
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

    /** JSSE key types: {@code RSA}, {@code EC}, and TLS 1.2's {@code EC_EC}/{@code EC_RSA} (the key is EC). */
    private static boolean fits(String keyType, String algorithm) {
        return keyType.equals(algorithm) || ("EC".equals(algorithm) && keyType.startsWith("EC_"));
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
