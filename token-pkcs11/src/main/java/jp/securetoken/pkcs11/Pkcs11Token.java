package jp.securetoken.pkcs11;

import java.io.IOException;
import java.security.AuthProvider;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.ProviderException;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAKey;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.crypto.Cipher;
import javax.security.auth.login.LoginException;
import javax.security.auth.x500.X500Principal;

import jp.securetoken.api.CapabilityNotSupportedException;
import jp.securetoken.api.CertificationRequests;
import jp.securetoken.api.CommandQueue;
import jp.securetoken.api.Credential;
import jp.securetoken.api.CredentialChains;
import jp.securetoken.api.CredentialLifecycle;
import jp.securetoken.api.CredentialMismatchException;
import jp.securetoken.api.CredentialNotFoundException;
import jp.securetoken.api.CredentialUsage;
import jp.securetoken.api.JahisCapability;
import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.LoginRequiredException;
import jp.securetoken.api.OperationNotSupportedException;
import jp.securetoken.api.PinCallback;
import jp.securetoken.api.PinEntryCancelledException;
import jp.securetoken.api.PinFormatException;
import jp.securetoken.api.PinIncorrectException;
import jp.securetoken.api.PinLockedException;
import jp.securetoken.api.PinRequest;
import jp.securetoken.api.PinRole;
import jp.securetoken.api.PinStatus;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.SignatureScheme;
import jp.securetoken.api.TokenCapabilities;
import jp.securetoken.api.TokenClosedException;
import jp.securetoken.api.TokenException;
import jp.securetoken.api.TokenInfo;
import jp.securetoken.api.TokenKey;
import jp.securetoken.api.UserDataStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One PKCS#11 token opened through its own SunPKCS11 provider instance (never added to
 * {@link java.security.Security}). Login, credentials, key generation, certificate import and
 * PKCS#1/ECDSA signing go through SunPKCS11's JCA surface; where the JDK's wrapper is exported
 * ({@link Cryptoki}) the token's flags, mechanism list, PSS over a hash and data objects are used too.
 */
final class Pkcs11Token implements SecureToken {
    private static final Logger LOG = LoggerFactory.getLogger(Pkcs11Token.class);
    static final String APPLICATION = "securetoken";
    /** What a module answers for a key object that no longer exists. */
    private static final Set<String> KEY_GONE = Set.of("CKR_KEY_HANDLE_INVALID", "CKR_OBJECT_HANDLE_INVALID");

    private final TokenInfo info;
    private final long slot;
    /** Makes a new SunPKCS11 instance for this slot: at open, and at the first login after the device was gone. */
    private final ProviderFactory providers;
    /** The SunPKCS11 instance in use; replaced (on the queue) at the first login after the device went away. */
    private volatile AuthProvider provider;
    /** The device went away since the provider was made: the next login makes a new one. */
    private boolean deviceGone;
    /** Whether SunPKCS11 offers its RSA Cipher (private-key encryption = C_Sign with CKM_RSA_PKCS) for this token. */
    private final boolean pkcs1Cipher;
    private final Cryptoki cryptoki;
    private final CommandQueue queue;
    private final Set<SignatureScheme> schemes;
    private volatile TokenCapabilities capabilities;
    private final Map<String, KeyPair> pending = new HashMap<>();
    private final Set<String> mismatched = new HashSet<>();
    /** Certificates (by SHA-256) whose key was checked by a probe signature, and the outcome. */
    private final Map<String, Boolean> probed = new HashMap<>();
    /** SunPKCS11's KeyStore, loaded at login; null when logged out. */
    private volatile KeyStore keyStore;
    /** The credentials as last read, answered for up to {@link CredentialCache#RECHECK}. */
    private final CredentialCache credentialCache = new CredentialCache(CredentialCache.RECHECK);
    /**
     * Counts logins and losses of the device: an object handle a key remembered is used only in the
     * generation it was found in (a module may number its objects anew once the device is back).
     */
    private long handleGeneration;
    private long session = -1;
    /** C_SetPIN and C_InitPIN, made at first use (on the queue). */
    private Pkcs11Pins pins;
    private volatile boolean closed;

    /** Makes the SunPKCS11 instance of one slot. */
    @FunctionalInterface
    interface ProviderFactory {
        /** A new SunPKCS11 instance for the slot. */
        AuthProvider create() throws TokenException;
    }

    Pkcs11Token(TokenInfo info, long slot, ProviderFactory providers, Cryptoki cryptoki) throws TokenException {
        this.info = info;
        this.slot = slot;
        this.providers = providers;
        this.provider = providers.create();
        this.pkcs1Cipher = provider.getService("Cipher", "RSA/ECB/PKCS1Padding") != null;
        this.cryptoki = cryptoki;
        this.queue = new CommandQueue(info.label().isEmpty() ? "pkcs11-slot-" + slot : info.label());
        this.schemes = Collections.unmodifiableSet(findSchemes());
        this.capabilities = findCapabilities();
    }

    CommandQueue queue() {
        return queue;
    }

    long slot() {
        return slot;
    }

    Optional<Cryptoki> cryptoki() {
        return Optional.ofNullable(cryptoki);
    }

    private EnumSet<SignatureScheme> findSchemes() throws TokenException {
        EnumSet<SignatureScheme> s = EnumSet.noneOf(SignatureScheme.class);
        boolean pkcs1;
        boolean pss;
        boolean ecdsa;
        if (cryptoki != null) {
            Set<Long> mechanisms = new HashSet<>();
            for (Cryptoki.MechanismInfo m : cryptoki.mechanisms(slot)) {
                if (m.has(Ck.CKF_SIGN)) {
                    mechanisms.add(m.mechanism());
                }
            }
            pkcs1 = mechanisms.contains(Ck.CKM_RSA_PKCS);
            pss = mechanisms.contains(Ck.CKM_RSA_PKCS_PSS);
            ecdsa = mechanisms.contains(Ck.CKM_ECDSA);
        } else {
            // SunPKCS11 registers a service only for mechanisms the token lists.
            pkcs1 = provider.getService("Cipher", "RSA/ECB/PKCS1Padding") != null;
            pss = false; // PSS over a precomputed hash needs C_Sign directly
            ecdsa = provider.getService("Signature", "NONEwithECDSA") != null;
        }
        if (pkcs1) {
            s.addAll(EnumSet.of(SignatureScheme.RSA_PKCS1_SHA256, SignatureScheme.RSA_PKCS1_SHA384,
                    SignatureScheme.RSA_PKCS1_SHA512));
        }
        if (pss) {
            s.addAll(EnumSet.of(SignatureScheme.RSA_PSS_SHA256, SignatureScheme.RSA_PSS_SHA384,
                    SignatureScheme.RSA_PSS_SHA512));
        }
        if (ecdsa) {
            s.addAll(EnumSet.of(SignatureScheme.ECDSA_P256_SHA256, SignatureScheme.ECDSA_P384_SHA384,
                    SignatureScheme.ECDSA_P521_SHA512));
        }
        return s;
    }

    private TokenCapabilities findCapabilities() throws TokenException {
        EnumSet<JahisCapability> c = EnumSet.of(JahisCapability.CREDENTIAL_STORAGE);
        Map<JahisCapability, String> why = new HashMap<>();
        boolean writeProtected = false;
        if (cryptoki != null) {
            Cryptoki.TokenState state = cryptoki.tokenState(slot);
            writeProtected = state.has(Ck.CKF_WRITE_PROTECTED);
            if (state.has(Ck.CKF_LOGIN_REQUIRED)) {
                c.add(JahisCapability.ENTITY_AUTHENTICATION);
            } else {
                why.put(JahisCapability.ENTITY_AUTHENTICATION, "the token does not ask for a login (no CKF_LOGIN_REQUIRED)");
            }
            if (!writeProtected) {
                c.add(JahisCapability.USER_DATA_STORAGE);
            }
        } else {
            c.add(JahisCapability.ENTITY_AUTHENTICATION); // SunPKCS11 logs in; the flag itself is not readable
            why.put(JahisCapability.USER_DATA_STORAGE, "data objects need the JDK's PKCS#11 wrapper"
                    + " (--add-exports jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED)");
        }
        if (!schemes.isEmpty()) {
            c.add(JahisCapability.SIGNATURE_GENERATION);
        } else {
            why.put(JahisCapability.SIGNATURE_GENERATION, "the token lists no signing mechanism this SDK uses");
        }
        String readOnly = "the token is write-protected (CKF_WRITE_PROTECTED)";
        if (!writeProtected) {
            c.add(JahisCapability.CREDENTIAL_WRITE_UPDATE);
            if (provider.getService("KeyPairGenerator", "RSA") != null
                    || provider.getService("KeyPairGenerator", "EC") != null) {
                c.add(JahisCapability.KEY_GENERATION);
            } else {
                why.put(JahisCapability.KEY_GENERATION, "the token lists no RSA or EC key pair generation mechanism");
            }
        } else {
            why.put(JahisCapability.USER_DATA_STORAGE, readOnly);
            why.put(JahisCapability.CREDENTIAL_WRITE_UPDATE, readOnly);
            why.put(JahisCapability.KEY_GENERATION, readOnly);
        }
        String noAnchor = "the token holds no issuer anchor, so it cannot tell the issuing server's chain from any other";
        if (cryptoki != null && !writeProtected && keyStore != null && !new IssuerAnchors(cryptoki, session()).read()
                .isEmpty()) {
            c.add(JahisCapability.ISSUING_SERVER_AUTHENTICATION);
            c.add(JahisCapability.REMOTE_WRITE_UPDATE);
        } else if (cryptoki != null && !writeProtected && keyStore == null) {
            noAnchor = "the token shows no issuer anchor before login (anchors are private objects): log in to see"
                    + " whether it holds one";
        }
        why.putIfAbsent(JahisCapability.ISSUING_SERVER_AUTHENTICATION, writeProtected ? readOnly : noAnchor);
        why.putIfAbsent(JahisCapability.REMOTE_WRITE_UPDATE, writeProtected ? readOnly : noAnchor);
        return new TokenCapabilities(c, why);
    }

    @Override
    public TokenInfo info() {
        return info;
    }

    @Override
    public TokenCapabilities capabilities() {
        return capabilities;
    }

    @Override
    public Set<SignatureScheme> signatureSchemes() {
        return schemes;
    }

    void requireOpen() throws TokenClosedException {
        if (closed) {
            throw new TokenClosedException(info.label());
        }
    }

    private Cryptoki requireCryptoki(String operation) throws OperationNotSupportedException {
        if (cryptoki == null) {
            throw new OperationNotSupportedException(operation, "it needs the JDK's PKCS#11 wrapper; start the JVM with "
                    + CryptokiAccess.FLAG);
        }
        return cryptoki;
    }

    @Override
    public PinStatus pinStatus(PinRole role) throws TokenException {
        return queue.call(() -> {
            requireOpen();
            Cryptoki.TokenState state = requireCryptoki("Reading the PIN state").tokenState(slot);
            return status(role, state);
        });
    }

    /**
     * The PIN state as the token flags tell it: locked (0 tries), final try (1 try), otherwise
     * unknown; PKCS#11 has no retry counter, only these flags.
     */
    static PinStatus status(PinRole role, Cryptoki.TokenState state) {
        boolean user = role == PinRole.USER;
        if (state.has(user ? Ck.CKF_USER_PIN_LOCKED : Ck.CKF_SO_PIN_LOCKED)) {
            return new PinStatus(role, 0, PinStatus.UNKNOWN, true);
        }
        if (state.has(user ? Ck.CKF_USER_PIN_FINAL_TRY : Ck.CKF_SO_PIN_FINAL_TRY)) {
            return new PinStatus(role, 1, PinStatus.UNKNOWN, false);
        }
        return PinStatus.retriesUnknown(role);
    }

    @Override
    public void login(PinCallback pin) throws TokenException {
        queue.call(() -> {
            requireOpen();
            try {
                doLogin(pin);
                capabilities = findCapabilities(); // private objects (the issuer anchor) are visible now
            } catch (jp.securetoken.api.TokenRemovedException | jp.securetoken.api.TokenNotPresentException e) {
                forgetDevice(e);
                throw e;
            }
            return null;
        });
    }

    private void doLogin(PinCallback callback) throws TokenException {
        if (deviceGone) {
            // SunPKCS11 un-initialised its token when the device left and answers "PKCS11 not found" for
            // the KeyStore until its own poller brings the token back: a new instance sees the device now.
            provider = providers.create();
            LOG.info("PKCS#11 token {}: a new SunPKCS11 instance for slot {} after the device came back", info.label(),
                    Long.toUnsignedString(slot));
        }
        String rule = "the token's PIN length";
        int retries = PinStatus.UNKNOWN;
        long minPin = 0;
        long maxPin = Long.MAX_VALUE;
        if (cryptoki != null) {
            Cryptoki.TokenState before = cryptoki.tokenState(slot);
            PinStatus status = status(PinRole.USER, before);
            if (status.locked()) {
                throw new PinLockedException(PinRole.USER, Pkcs11Errors.HOW_TO_UNLOCK);
            }
            if (before.has(Ck.CKF_PROTECTED_AUTHENTICATION_PATH)) {
                // a PIN pad: the PIN is entered on the reader, C_Login gets none
                LOG.info("Enter the PIN of PKCS#11 token {} on the reader's PIN pad", info.label());
                loadKeyStore(null);
                return;
            }
            retries = status.retriesLeft();
            // CK_UNAVAILABLE_INFORMATION (all ones) reads as -1: no limit known
            minPin = Math.max(0, before.minPin());
            maxPin = before.maxPin() <= 0 ? Long.MAX_VALUE : before.maxPin();
            rule = maxPin == Long.MAX_VALUE ? "at least " + minPin + " characters"
                    : minPin + " to " + maxPin + " characters";
        }
        char[] pin = callback.providePin(new PinRequest(PinRole.USER, "login", info.label(), retries, rule));
        if (pin == null) {
            throw new PinEntryCancelledException(PinRole.USER);
        }
        try {
            if (pin.length < minPin || pin.length > maxPin) {
                throw new PinFormatException(PinRole.USER, rule);
            }
            loadKeyStore(pin);
        } finally {
            Arrays.fill(pin, '\0');
        }
    }

    /** Logs in through SunPKCS11's KeyStore (C_Login) and keeps the loaded KeyStore. */
    private void loadKeyStore(char[] pin) throws TokenException {
        if (provider.getService("KeyStore", "PKCS11") == null) {
            // SunPKCS11 offers its services only while it sees the token
            throw new jp.securetoken.api.TokenNotPresentException(info.label() + " (SunPKCS11 sees no token in slot "
                    + Long.toUnsignedString(slot) + ")");
        }
        try {
            KeyStore ks = KeyStore.getInstance("PKCS11", provider);
            long mappedAt = System.nanoTime();
            ks.load(null, pin);
            keyStore = ks;
            deviceGone = false;
            handleGeneration++;
            credentialCache.forget();
            credentialCache.objectsMapped(mappedAt);
            LOG.info("Logged in to PKCS#11 token {}", info.label());
        } catch (IOException | GeneralSecurityException | ProviderException e) {
            throw loginFailure(e);
        }
    }

    private TokenException loginFailure(Exception e) throws TokenException {
        String code = Pkcs11Errors.ckr(e).orElse("");
        switch (code) {
            case "CKR_PIN_INCORRECT":
                if (cryptoki != null) {
                    PinStatus after = status(PinRole.USER, cryptoki.tokenState(slot));
                    if (after.retriesKnown()) {
                        return new PinIncorrectException(PinRole.USER, after.retriesLeft());
                    }
                }
                return new PinIncorrectException(PinRole.USER);
            case "CKR_PIN_LEN_RANGE":
            case "CKR_PIN_INVALID":
                return new PinFormatException(PinRole.USER, "the token's PIN rules");
            default:
                return Pkcs11Errors.map(e, info.label(), "Login");
        }
    }

    @Override
    public void logout() throws TokenException {
        queue.call(() -> {
            requireOpen();
            doLogout();
            return null;
        });
    }

    private void doLogout() {
        if (keyStore == null) {
            return;
        }
        keyStore = null;
        pending.clear();
        credentialCache.forget();
        try {
            provider.logout();
        } catch (LoginException e) {
            LOG.warn("Logging out of PKCS#11 token {} failed: {}", info.label(), e.getMessage());
        }
    }

    @Override
    public boolean isLoggedIn() {
        return keyStore != null && !closed;
    }

    @Override
    public void changePin(PinRole role, PinCallback currentPin, PinCallback newPin) throws TokenException {
        queue.call(() -> {
            requireOpen();
            pins().change(role, currentPin, newPin);
            return null;
        });
    }

    @Override
    public void unlockUserPin(PinCallback administratorPin, PinCallback newUserPin) throws TokenException {
        queue.call(() -> {
            requireOpen();
            pins().unlock(administratorPin, newUserPin);
            return null;
        });
    }

    private Pkcs11Pins pins() throws OperationNotSupportedException {
        if (pins == null) {
            pins = new Pkcs11Pins(requireCryptoki("Changing PINs"), slot, info.label());
        }
        return pins;
    }

    private KeyStore requireLogin(String operation) throws LoginRequiredException {
        if (keyStore == null) {
            throw new LoginRequiredException(operation);
        }
        return keyStore;
    }

    @Override
    public List<Credential> credentials() throws TokenException {
        return queue.call(() -> {
            requireOpen();
            return currentCredentials();
        });
    }

    @Override
    public Credential credential(String alias) throws TokenException {
        return queue.call(() -> {
            requireOpen();
            for (Credential c : currentCredentials()) {
                if (c.alias().equals(alias)) {
                    return c;
                }
            }
            if (mismatched.contains(alias)) {
                throw new CredentialMismatchException("the certificate '" + alias + "' does not carry the public key of"
                        + " the private key with the same CKA_ID");
            }
            throw new CredentialNotFoundException(alias, info.label());
        });
    }

    /**
     * The credentials for {@link #credentials()} and {@link #credential(String)}, which a TLS server
     * asks for at every handshake: read from the device at most every {@link CredentialCache#RECHECK}
     * (mapping the token's objects anew first, so that a credential another process wrote is seen),
     * and at once after a write through this token.
     */
    private List<Credential> currentCredentials() throws TokenException {
        requireLogin("Reading credentials");
        long readAt = System.nanoTime();
        List<Credential> fresh = credentialCache.fresh(readAt);
        if (fresh != null) {
            return fresh;
        }
        try {
            if (credentialCache.mustMapObjects(readAt)) {
                reloadKeyStore();
            }
        } catch (jp.securetoken.api.TokenRemovedException | jp.securetoken.api.TokenNotPresentException e) {
            forgetDevice(e);
            throw e;
        }
        return credentialCache.store(readCredentials(), readAt);
    }

    /** The credentials as SunPKCS11's KeyStore and the token's objects show them now (no cache). */
    private List<Credential> readCredentials() throws TokenException {
        try {
            return readCredentialsFromDevice();
        } catch (jp.securetoken.api.TokenRemovedException | jp.securetoken.api.TokenNotPresentException e) {
            forgetDevice(e);
            throw e;
        }
    }

    private List<Credential> readCredentialsFromDevice() throws TokenException {
        KeyStore ks = requireLogin("Reading credentials");
        List<Credential> out = new ArrayList<>();
        mismatched.clear();
        try {
            for (String alias : Collections.list(ks.aliases())) {
                if (!ks.isKeyEntry(alias)) {
                    continue;
                }
                Certificate[] chain = ks.getCertificateChain(alias);
                PrivateKey key = (PrivateKey) ks.getKey(alias, null);
                if (chain == null || chain.length == 0 || key == null) {
                    continue;
                }
                List<X509Certificate> certs = new ArrayList<>();
                for (Certificate c : chain) {
                    certs.add((X509Certificate) c);
                }
                Pkcs11Key tokenKey = new Pkcs11Key(this, alias, key, certs.get(0).getPublicKey(), schemes);
                if (!matches(tokenKey, certs.get(0))) {
                    LOG.warn("PKCS#11 token {}: certificate '{}' does not fit its private key; left out", info.label(),
                            alias);
                    mismatched.add(alias);
                    continue;
                }
                out.add(new Credential(alias, certs, usageOf(certs.get(0)), tokenKey));
            }
            if (cryptoki != null) {
                addLabelPaired(out);
            }
        } catch (GeneralSecurityException | ProviderException e) {
            throw Pkcs11Errors.map(e, info.label(), "Reading credentials");
        }
        out.sort(java.util.Comparator.comparing(Credential::alias));
        return out;
    }

    /** A token object's class-specific facts for pairing. */
    private record TokenObject(byte[] id, String label, byte[] value) {
        boolean hasId() {
            return id != null && id.length > 0;
        }
    }

    private List<TokenObject> objects(Cryptoki c, long s, long objectClass) throws TokenException {
        List<TokenObject> out = new ArrayList<>();
        for (long h : c.find(s, objectClass, null)) {
            byte[] label = c.bytes(s, h, Ck.CKA_LABEL);
            out.add(new TokenObject(c.bytes(s, h, Ck.CKA_ID), label == null ? "" : new String(label,
                    java.nio.charset.StandardCharsets.UTF_8), objectClass == Ck.CKO_CERTIFICATE
                            ? c.bytes(s, h, Ck.CKA_VALUE) : null));
        }
        return out;
    }

    /**
     * Adds credentials whose certificate and private key share a CKA_LABEL but no CKA_ID (SunPKCS11's
     * KeyStore pairs only by CKA_ID). The alias is the label; the chain is built from the token's
     * certificates; the key is checked by a probe signature.
     */
    private void addLabelPaired(List<Credential> out) throws TokenException, GeneralSecurityException {
        long s = session();
        List<TokenObject> keys = objects(cryptoki, s, Ck.CKO_PRIVATE_KEY);
        List<TokenObject> certs = objects(cryptoki, s, Ck.CKO_CERTIFICATE);
        java.security.cert.CertificateFactory cf = java.security.cert.CertificateFactory.getInstance("X.509");
        List<X509Certificate> all = new ArrayList<>();
        for (TokenObject cert : certs) {
            try {
                all.add(cert.value() == null ? null
                        : (X509Certificate) cf.generateCertificate(new java.io.ByteArrayInputStream(cert.value())));
            } catch (java.security.cert.CertificateException e) {
                LOG.warn("PKCS#11 token {}: certificate object '{}' is not X.509; ignored", info.label(), cert.label());
                all.add(null);
            }
        }
        List<X509Certificate> parsed = all.stream().filter(java.util.Objects::nonNull).toList();
        for (int i = 0; i < certs.size(); i++) {
            TokenObject cert = certs.get(i);
            if (all.get(i) == null || cert.label().isEmpty() || keys.stream().anyMatch(k -> cert.hasId() && Arrays.equals(k.id(), cert.id()))
                    || out.stream().anyMatch(c -> c.alias().equals(cert.label()))) {
                continue;
            }
            List<TokenObject> sameLabel = keys.stream().filter(k -> k.label().equals(cert.label())
                    && (!k.hasId() || certs.stream().noneMatch(o -> o.hasId() && Arrays.equals(o.id(), k.id()))))
                    .toList();
            if (sameLabel.size() != 1) {
                continue;
            }
            List<X509Certificate> chain = chainFrom(all.get(i), parsed);
            Pkcs11Key key = Pkcs11Key.byLabel(this, cert.label(), chain.get(0).getPublicKey(), schemes);
            if (matches(key, chain.get(0))) {
                out.add(new Credential(cert.label(), chain, usageOf(chain.get(0)), key));
            } else {
                LOG.warn("PKCS#11 token {}: certificate labelled '{}' does not fit the key of that label; left out",
                        info.label(), cert.label());
                mismatched.add(cert.label());
            }
        }
    }

    /** The entity certificate followed by issuers found among {@code all}, up to a self-signed one. */
    private static List<X509Certificate> chainFrom(X509Certificate entity, List<X509Certificate> all) {
        List<X509Certificate> chain = new ArrayList<>(List.of(entity));
        X509Certificate current = entity;
        while (chain.size() < 10 && !current.getIssuerX500Principal().equals(current.getSubjectX500Principal())) {
            X509Certificate last = current;
            Optional<X509Certificate> issuer = all.stream().filter(c -> !chain.contains(c)
                    && c.getSubjectX500Principal().equals(last.getIssuerX500Principal())).findFirst();
            if (issuer.isEmpty()) {
                break;
            }
            chain.add(issuer.get());
            current = issuer.get();
        }
        return chain;
    }

    /**
     * Whether the private key is the certificate's: for RSA keys whose modulus the token shows, the
     * moduli must be equal; otherwise (sensitive keys show little) a probe signature, made once per
     * certificate and token handle, must verify with the certificate's key.
     */
    private boolean matches(Pkcs11Key key, X509Certificate cert) throws TokenException, GeneralSecurityException {
        if (key.privateKey() != null && !key.privateKey().getAlgorithm().equals(cert.getPublicKey().getAlgorithm())) {
            return false;
        }
        if (key.privateKey() instanceof RSAKey rsa && cert.getPublicKey() instanceof RSAKey certRsa
                && rsa.getModulus() != null) {
            return rsa.getModulus().equals(certRsa.getModulus());
        }
        Optional<SignatureScheme> scheme = key.signatureSchemes().stream().findFirst();
        if (scheme.isEmpty()) {
            return true; // the token cannot sign with it at all; nothing to compare
        }
        String fingerprint = java.util.HexFormat.of().formatHex(
                java.security.MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
        Boolean known = probed.get(fingerprint);
        if (known == null) {
            byte[] probe = new byte[32];
            new java.security.SecureRandom().nextBytes(probe);
            byte[] digest = java.security.MessageDigest.getInstance(scheme.get().digestAlgorithm()).digest(probe);
            Signature verifier = Signature.getInstance(scheme.get().jcaAlgorithm());
            if (scheme.get().jcaParameters().isPresent()) {
                verifier.setParameter(scheme.get().jcaParameters().get());
            }
            verifier.initVerify(cert.getPublicKey());
            verifier.update(probe);
            try {
                known = verifier.verify(signDigest(key, scheme.get(), digest));
            } catch (java.security.SignatureException e) {
                known = false;
            }
            probed.put(fingerprint, known);
        }
        return known;
    }

    /** Signs on the queue thread. */
    byte[] signDigest(Pkcs11Key key, SignatureScheme scheme, byte[] digest) throws TokenException {
        try {
            return signOnDevice(key, scheme, digest);
        } catch (jp.securetoken.api.TokenRemovedException | jp.securetoken.api.TokenNotPresentException e) {
            forgetDevice(e);
            throw e;
        } catch (jp.securetoken.api.TokenDeviceException e) {
            if (!KEY_GONE.contains(e.deviceCode())) {
                throw e;
            }
            // another process (or handle) deleted the key object, e.g. a renewal with a new key: the
            // credential this key belonged to is gone; the next read maps the token's objects anew
            LOG.info("PKCS#11 token {}: the key of '{}' is gone ({}); reading the credentials again", info.label(),
                    key.alias(), e.deviceCode());
            credentialCache.forgetObjects();
            CredentialNotFoundException gone = new CredentialNotFoundException(key.alias(), info.label());
            gone.initCause(e);
            throw gone;
        }
    }

    /**
     * The device went away (card pulled, USB token unplugged, HSM restarted): the login, the
     * KeyStore loaded at login and this token's own session belonged to it. They are dropped, so
     * that once the device is back a new login loads everything afresh, through a new SunPKCS11
     * instance for the slot (the old one no longer offers its KeyStore).
     */
    private void forgetDevice(TokenException why) {
        LOG.warn("PKCS#11 token {} went away ({}); log in again once it is back", info.label(), why.getMessage());
        keyStore = null;
        deviceGone = true;
        pending.clear();
        probed.clear();
        credentialCache.forget();
        handleGeneration++;
        if (session != -1 && cryptoki != null) {
            cryptoki.closeSession(session);
        }
        session = -1;
    }

    private byte[] signOnDevice(Pkcs11Key key, SignatureScheme scheme, byte[] digest) throws TokenException {
        requireOpen();
        requireLogin("Signing");
        if (key.privateKey() == null) {
            return signByHandle(key, scheme, digest);
        }
        try {
            return switch (scheme.padding()) {
                case PKCS1 -> {
                    if (!pkcs1Cipher) {
                        // Sign-only tokens (the JPKI card through OpenSC) get no SunPKCS11 RSA Cipher: C_Sign directly.
                        yield signByHandle(key, scheme, digest);
                    }
                    Cipher rsa = Cipher.getInstance("RSA/ECB/PKCS1Padding", provider);
                    rsa.init(Cipher.ENCRYPT_MODE, key.privateKey()); // private-key "encryption" is C_Sign(CKM_RSA_PKCS)
                    yield rsa.doFinal(scheme.digestInfo(digest));
                }
                case NONE -> {
                    Signature ecdsa = Signature.getInstance("NONEwithECDSA", provider);
                    ecdsa.initSign(key.privateKey());
                    ecdsa.update(digest);
                    yield ecdsa.sign();
                }
                case PSS -> signPss(key, scheme, digest);
            };
        } catch (GeneralSecurityException | ProviderException e) {
            throw Pkcs11Errors.map(e, info.label(), "Signing");
        }
    }

    /** C_Sign on the private key object, found by label or by its certificate's CKA_ID. */
    private byte[] signByHandle(Pkcs11Key key, SignatureScheme scheme, byte[] digest) throws TokenException {
        Cryptoki c = requireCryptoki("Signing with this key");
        long s = session();
        long handle = privateKeyHandle(c, s, key);
        return switch (scheme.padding()) {
            case PKCS1 -> c.sign(s, Ck.CKM_RSA_PKCS, handle, scheme.digestInfo(digest));
            case PSS -> c.signPss(s, handle, scheme, digest);
            case NONE -> derEcdsa(c.sign(s, Ck.CKM_ECDSA, handle, digest));
        };
    }

    /**
     * A PKCS#11 token does not say what a key is for; the certificate does: non-repudiation
     * (content commitment) without a TLS extended key usage marks a signing certificate (JPKI and
     * HPKI signature certificates), everything else node authentication.
     */
    static CredentialUsage usageOf(X509Certificate certificate) {
        boolean[] keyUsage = certificate.getKeyUsage();
        boolean nonRepudiation = keyUsage != null && keyUsage.length > 1 && keyUsage[1];
        List<String> eku;
        try {
            eku = certificate.getExtendedKeyUsage();
        } catch (java.security.cert.CertificateParsingException e) {
            eku = null;
        }
        boolean tls = eku != null && (eku.contains("1.3.6.1.5.5.7.3.2") || eku.contains("1.3.6.1.5.5.7.3.1"));
        return nonRepudiation && !tls ? CredentialUsage.DOCUMENT_SIGNING : CredentialUsage.NODE_AUTHENTICATION;
    }

    /** PKCS#11 gives ECDSA signatures as r || s; TLS and JCA want the DER SEQUENCE of two INTEGERs. */
    static byte[] derEcdsa(byte[] raw) {
        int half = raw.length / 2;
        java.math.BigInteger r = new java.math.BigInteger(1, Arrays.copyOfRange(raw, 0, half));
        java.math.BigInteger s = new java.math.BigInteger(1, Arrays.copyOfRange(raw, half, raw.length));
        try {
            return new org.bouncycastle.asn1.DERSequence(new org.bouncycastle.asn1.ASN1Encodable[] {
                new org.bouncycastle.asn1.ASN1Integer(r), new org.bouncycastle.asn1.ASN1Integer(s)}).getEncoded();
        } catch (IOException e) {
            throw new IllegalStateException("encoding two integers in memory failed", e);
        }
    }

    private byte[] signPss(Pkcs11Key key, SignatureScheme scheme, byte[] digest) throws TokenException {
        Cryptoki c = requireCryptoki("RSA-PSS over a hash");
        long s = session();
        long handle = privateKeyHandle(c, s, key);
        return c.signPss(s, handle, scheme, digest);
    }

    /**
     * The key's private key object: the handle found at the key's first signature since the last
     * login (a search over the token's objects costs more than the signature itself), else found
     * now. A handle whose object was deleted since then makes C_SignInit fail with
     * CKR_KEY_HANDLE_INVALID, never sign with another key's object (see {@link #signDigest}).
     */
    private long privateKeyHandle(Cryptoki c, long s, Pkcs11Key key) throws TokenException {
        java.util.OptionalLong known = key.handle(handleGeneration);
        if (known.isPresent()) {
            return known.getAsLong();
        }
        long found = findPrivateKey(c, s, key);
        key.rememberHandle(handleGeneration, found);
        return found;
    }

    /**
     * The private key object found by its label (a key paired by label), or the one whose CKA_ID is
     * that of the certificate stored under the key's alias, provided that certificate still carries
     * this key (otherwise the credential was replaced since this key was read).
     */
    private long findPrivateKey(Cryptoki c, long s, Pkcs11Key key) throws TokenException {
        if (key.objectLabel() != null) {
            byte[] label = key.objectLabel().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            for (long h : c.find(s, Ck.CKO_PRIVATE_KEY, null)) {
                if (Arrays.equals(label, c.bytes(s, h, Ck.CKA_LABEL))) {
                    return h;
                }
            }
            throw new CredentialNotFoundException(key.alias(), info.label());
        }
        byte[] id = null;
        try {
            X509Certificate cert = (X509Certificate) keyStore.getCertificate(key.alias());
            if (cert == null || !Arrays.equals(cert.getPublicKey().getEncoded(), key.publicKey().getEncoded())) {
                throw new CredentialNotFoundException(key.alias(), info.label());
            }
            byte[] der = cert.getEncoded();
            for (long h : c.find(s, Ck.CKO_CERTIFICATE, null)) {
                if (Arrays.equals(der, c.bytes(s, h, Ck.CKA_VALUE))) {
                    id = c.bytes(s, h, Ck.CKA_ID);
                    break;
                }
            }
        } catch (GeneralSecurityException e) {
            throw Pkcs11Errors.map(e, info.label(), "Finding the key");
        }
        if (id != null) {
            for (long h : c.find(s, Ck.CKO_PRIVATE_KEY, null)) {
                if (Arrays.equals(id, c.bytes(s, h, Ck.CKA_ID))) {
                    return h;
                }
            }
        }
        throw new CredentialNotFoundException(key.alias(), info.label());
    }

    /** This token's own session for direct calls, opened read/write where the token allows. */
    long session() throws TokenException {
        Cryptoki c = requireCryptoki("Direct PKCS#11 calls");
        if (session == -1) {
            try {
                session = c.openSession(slot, true);
            } catch (TokenException e) {
                session = c.openSession(slot, false);
            }
        }
        return session;
    }

    @Override
    public List<jp.securetoken.api.TokenObject> objects() throws TokenException {
        return queue.call(() -> {
            requireOpen();
            Cryptoki c = requireCryptoki("Listing the token's objects");
            return Pkcs11Objects.list(c, session());
        });
    }

    @Override
    public Map<String, List<String>> deviceDetails() throws TokenException {
        return queue.call(() -> {
            requireOpen();
            return cryptoki == null ? Map.of() : Pkcs11Objects.details(cryptoki, slot);
        });
    }

    @Override
    public UserDataStore userData() throws CapabilityNotSupportedException {
        capabilities.require(JahisCapability.USER_DATA_STORAGE, info.label());
        return new Pkcs11UserData(this);
    }

    void requireOpenAndLoggedIn(String operation) throws TokenException {
        requireOpen();
        requireLogin(operation);
    }

    @Override
    public CredentialLifecycle lifecycle() throws CapabilityNotSupportedException {
        capabilities.require(JahisCapability.CREDENTIAL_WRITE_UPDATE, info.label());
        return new Lifecycle();
    }

    /** Key generation with SunPKCS11's KeyPairGenerator; writing with its KeyStore. */
    private final class Lifecycle implements CredentialLifecycle {
        @Override
        public TokenKey generateKeyPair(String alias, KeyAlgorithm algorithm) throws TokenException {
            capabilities.require(JahisCapability.KEY_GENERATION, info.label());
            return queue.call(() -> {
                requireOpenAndLoggedIn("Key generation");
                if (provider.getService("KeyPairGenerator", algorithm.jcaName()) == null) {
                    throw new OperationNotSupportedException("Generating " + algorithm + " keys", "token "
                            + info.label() + " lists no " + algorithm.jcaName() + " key pair generation mechanism");
                }
                if (cryptoki != null) {
                    return pendingKeys().generate(alias, algorithm);
                }
                try {
                    KeyPairGenerator g = KeyPairGenerator.getInstance(algorithm.jcaName(), provider);
                    if (algorithm.curve() != null) {
                        g.initialize(new ECGenParameterSpec(algorithm.curve()));
                    } else {
                        g.initialize(algorithm.bits());
                    }
                    KeyPair pair = g.generateKeyPair();
                    pending.put(alias, pair);
                    LOG.info("Generated a {} key pair for '{}' in PKCS#11 token {}", algorithm, alias, info.label());
                    return new Pkcs11Key(Pkcs11Token.this, alias, pair.getPrivate(), pair.getPublic(), schemes);
                } catch (GeneralSecurityException | ProviderException e) {
                    throw Pkcs11Errors.map(e, info.label(), "Key generation");
                }
            });
        }

        @Override
        public byte[] createCertificationRequest(String alias, X500Principal subject) throws TokenException {
            TokenKey key = queue.call(() -> {
                requireOpenAndLoggedIn("A certification request");
                if (cryptoki != null) {
                    Optional<PendingKeys.Pending> stored = pendingKeys().find(alias);
                    if (stored.isPresent()) {
                        return stored.get().key();
                    }
                }
                KeyPair p = pending.get(alias);
                if (p != null) {
                    return new Pkcs11Key(Pkcs11Token.this, alias, p.getPrivate(), p.getPublic(), schemes);
                }
                return credential(alias).key();
            });
            return CertificationRequests.create(key, subject);
        }

        @Override
        public Credential writeCredential(String alias, List<X509Certificate> chain, CredentialUsage usage)
                throws TokenException {
            if (chain == null || chain.isEmpty()) {
                throw new CredentialMismatchException("the chain is empty");
            }
            return queue.call(() -> {
                KeyStore ks = requireLogin("Writing a credential");
                requireOpen();
                credentialCache.forget(); // also when the write fails half-way: read what is there next
                CredentialChains.requireLinked(chain);
                if (cryptoki != null) {
                    CredentialChains.requireAnchored(chain, new IssuerAnchors(cryptoki, session()).read());
                }
                if (cryptoki != null) {
                    Optional<PendingKeys.Pending> stored = pendingKeys().find(alias);
                    if (stored.isPresent()) {
                        if (!Arrays.equals(stored.get().key().publicKey().getEncoded(),
                                chain.get(0).getPublicKey().getEncoded()) && !isCurrentKey(alias, chain.get(0))) {
                            throw new CredentialMismatchException("the certificate carries neither the key pair"
                                    + " generated for '" + alias + "' nor the key of its current credential");
                        }
                        if (!isCurrentKey(alias, chain.get(0))) {
                            pendingKeys().install(alias, stored.get(), chain);
                            reloadKeyStore();
                            LOG.info("Wrote credential '{}' with its new key to PKCS#11 token {}", alias, info.label());
                            return credential(alias);
                        }
                    }
                }
                PrivateKey key = keyFor(alias, chain.get(0));
                try {
                    if (ks.containsAlias(alias) && !pending.containsKey(alias)) {
                        // same key, new certificate: replace the certificate objects only
                        ks.setKeyEntry(alias, key, null, chain.toArray(new Certificate[0]));
                    } else {
                        if (ks.containsAlias(alias)) {
                            ks.deleteEntry(alias);
                        }
                        ks.setKeyEntry(alias, key, null, chain.toArray(new Certificate[0]));
                    }
                } catch (GeneralSecurityException | ProviderException e) {
                    throw Pkcs11Errors.map(e, info.label(), "Writing a credential");
                }
                pending.remove(alias);
                LOG.info("Wrote credential '{}' to PKCS#11 token {}", alias, info.label());
                return credential(alias);
            });
        }

        private boolean isCurrentKey(String alias, X509Certificate cert) throws TokenException {
            for (Credential c : readCredentials()) {
                if (c.alias().equals(alias)) {
                    return Arrays.equals(c.certificate().getPublicKey().getEncoded(), cert.getPublicKey().getEncoded());
                }
            }
            return false;
        }

        private PrivateKey keyFor(String alias, X509Certificate cert) throws TokenException {
            KeyPair p = pending.get(alias);
            if (p != null) {
                if (Arrays.equals(p.getPublic().getEncoded(), cert.getPublicKey().getEncoded())) {
                    return p.getPrivate();
                }
                throw new CredentialMismatchException("the certificate does not carry the key pair generated for '"
                        + alias + "'");
            }
            for (Credential c : readCredentials()) {
                if (c.alias().equals(alias)) {
                    if (Arrays.equals(c.certificate().getPublicKey().getEncoded(), cert.getPublicKey().getEncoded())) {
                        PrivateKey current = ((Pkcs11Key) c.key()).privateKey();
                        if (current == null) {
                            throw new OperationNotSupportedException("Renewing credential '" + alias + "'",
                                    "its key is paired with its certificate only by CKA_LABEL; generate a new key");
                        }
                        return current;
                    }
                    throw new CredentialMismatchException("the certificate does not carry the key of credential '"
                            + alias + "'");
                }
            }
            throw new CredentialMismatchException("the token holds no key for '" + alias
                    + "'; generate one with generateKeyPair first");
        }

        @Override
        public List<X509Certificate> issuerAnchors() throws TokenException {
            return queue.call(() -> {
                requireOpen();
                return cryptoki == null || keyStore == null ? List.of() : new IssuerAnchors(cryptoki, session()).read();
            });
        }

        @Override
        public void recordIssuerAnchor(X509Certificate anchor) throws TokenException {
            queue.call(() -> {
                requireOpenAndLoggedIn("Recording an issuer anchor");
                new IssuerAnchors(requireCryptoki("Recording an issuer anchor"), session()).record(anchor);
                capabilities = findCapabilities();
                LOG.info("PKCS#11 token {} now holds issuer anchor {}", info.label(),
                        anchor.getSubjectX500Principal().getName());
                return null;
            });
        }

        @Override
        public boolean deleteCredential(String alias) throws TokenException {
            return queue.call(() -> {
                KeyStore ks = requireLogin("Deleting a credential");
                requireOpen();
                credentialCache.forget();
                try {
                    boolean existed = ks.containsAlias(alias);
                    if (existed) {
                        ks.deleteEntry(alias);
                    }
                    pending.remove(alias);
                    if (cryptoki != null) {
                        existed |= pendingKeys().discard(alias);
                    }
                    return existed;
                } catch (GeneralSecurityException | ProviderException e) {
                    throw Pkcs11Errors.map(e, info.label(), "Deleting a credential");
                }
            });
        }
    }

    private PendingKeys pendingKeys() throws TokenException {
        return new PendingKeys(this, cryptoki, session(), schemes);
    }

    /** Reads the token's objects again after they were changed by direct calls, which SunPKCS11's KeyStore does not see. */
    private void reloadKeyStore() throws TokenException {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS11", provider);
            long mappedAt = System.nanoTime();
            ks.load(null, null); // already logged in: SunPKCS11 does not log in again, it maps the objects anew
            keyStore = ks;
            credentialCache.objectsMapped(mappedAt);
        } catch (IOException | GeneralSecurityException | ProviderException e) {
            throw Pkcs11Errors.map(e, info.label(), "Reading the token's objects");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        try {
            queue.call(() -> {
                doLogout();
                if (session != -1 && cryptoki != null) {
                    cryptoki.closeSession(session);
                    session = -1;
                }
                closed = true;
                return null;
            });
        } catch (TokenException e) {
            LOG.warn("Closing PKCS#11 token {}: {}", info.label(), e.getMessage());
        } finally {
            closed = true;
            queue.close();
        }
    }

    @Override
    public String toString() {
        return "Pkcs11Token[" + info.label() + ", slot " + Long.toUnsignedString(slot) + "]";
    }

}
