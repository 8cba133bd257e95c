package jp.securetoken.api.jca;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.Key;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.KeyStoreSpi;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Date;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jp.securetoken.api.Credential;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.TokenException;

/**
 * The key store over tokens: every credential is a key entry whose key is a non-exportable
 * {@link TokenPrivateKey}. Read-only: credentials are written through the token's lifecycle.
 */
final class TokenKeyStoreSpi extends KeyStoreSpi {
    private List<SecureToken> tokens = List.of();

    @Override
    public void engineLoad(KeyStore.LoadStoreParameter param) throws IOException {
        if (!(param instanceof TokenKeyStoreParameter p)) {
            throw new IOException("load a SecureToken key store with a TokenKeyStoreParameter");
        }
        this.tokens = p.tokens();
    }

    @Override
    public void engineLoad(InputStream stream, char[] password) throws IOException {
        if (stream != null) {
            throw new IOException("a SecureToken key store is not read from a stream; load it with a TokenKeyStoreParameter");
        }
        this.tokens = List.of();
    }

    @Override
    public void engineStore(OutputStream stream, char[] password) throws IOException {
        throw new IOException("a SecureToken key store is not written to a stream; tokens keep their own credentials");
    }

    private Map<String, Credential> entries() {
        Map<String, Credential> entries = new LinkedHashMap<>();
        for (SecureToken token : tokens) {
            try {
                for (Credential c : token.credentials()) {
                    entries.put(tokens.size() == 1 ? c.alias() : token.info().label() + "/" + c.alias(), c);
                }
            } catch (TokenException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        }
        return entries;
    }

    private Credential entry(String alias) {
        return alias == null ? null : entries().get(alias);
    }

    @Override
    public Key engineGetKey(String alias, char[] password) throws UnrecoverableKeyException {
        Credential c = entry(alias);
        return c == null ? null : TokenPrivateKey.of(c.key());
    }

    @Override
    public Certificate[] engineGetCertificateChain(String alias) {
        Credential c = entry(alias);
        return c == null ? null : c.chain().toArray(new Certificate[0]);
    }

    @Override
    public Certificate engineGetCertificate(String alias) {
        Credential c = entry(alias);
        return c == null ? null : c.certificate();
    }

    @Override
    public Date engineGetCreationDate(String alias) {
        Credential c = entry(alias);
        return c == null ? null : c.certificate().getNotBefore();
    }

    @Override
    public void engineSetKeyEntry(String alias, Key key, char[] password, Certificate[] chain) throws KeyStoreException {
        throw readOnly();
    }

    @Override
    public void engineSetKeyEntry(String alias, byte[] key, Certificate[] chain) throws KeyStoreException {
        throw readOnly();
    }

    @Override
    public void engineSetCertificateEntry(String alias, Certificate cert) throws KeyStoreException {
        throw readOnly();
    }

    @Override
    public void engineDeleteEntry(String alias) throws KeyStoreException {
        throw readOnly();
    }

    private static KeyStoreException readOnly() {
        return new KeyStoreException("the SecureToken key store is read-only; write credentials with the token's CredentialLifecycle");
    }

    @Override
    public Enumeration<String> engineAliases() {
        return Collections.enumeration(new ArrayList<>(entries().keySet()));
    }

    @Override
    public boolean engineContainsAlias(String alias) {
        return entry(alias) != null;
    }

    @Override
    public int engineSize() {
        return entries().size();
    }

    @Override
    public boolean engineIsKeyEntry(String alias) {
        return entry(alias) != null;
    }

    @Override
    public boolean engineIsCertificateEntry(String alias) {
        return false;
    }

    @Override
    public String engineGetCertificateAlias(Certificate cert) {
        for (Map.Entry<String, Credential> e : entries().entrySet()) {
            if (e.getValue().certificate().equals(cert)) {
                return e.getKey();
            }
        }
        return null;
    }
}
