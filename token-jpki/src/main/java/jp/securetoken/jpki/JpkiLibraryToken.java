package jp.securetoken.jpki;

import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import jp.securetoken.api.CapabilityNotSupportedException;
import jp.securetoken.api.CommandQueue;
import jp.securetoken.api.Credential;
import jp.securetoken.api.CredentialLifecycle;
import jp.securetoken.api.CredentialNotFoundException;
import jp.securetoken.api.JahisCapability;
import jp.securetoken.api.LoginRequiredException;
import jp.securetoken.api.OperationNotSupportedException;
import jp.securetoken.api.PinCallback;
import jp.securetoken.api.PinEntryCancelledException;
import jp.securetoken.api.PinIncorrectException;
import jp.securetoken.api.PinRequest;
import jp.securetoken.api.PinRole;
import jp.securetoken.api.PinStatus;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.SignatureScheme;
import jp.securetoken.api.TokenBusyException;
import jp.securetoken.api.TokenCapabilities;
import jp.securetoken.api.TokenClosedException;
import jp.securetoken.api.TokenDeviceException;
import jp.securetoken.api.TokenException;
import jp.securetoken.api.TokenInfo;
import jp.securetoken.api.TokenObject;
import jp.securetoken.api.UserDataStore;
import jp.securetoken.pkcs11.Pkcs11Library;

/**
 * A My Number Card token through the official JPKI PKCS#11 library, as its API specification (card
 * AP library, PKCS#11 edition, v4.3, sections 4.2 and 5.4) requires:
 * <ul>
 * <li><b>One library at a time</b> in the process (section 4.2): opening a second such token while
 *     one is open is {@link TokenBusyException}; closing it releases the library.</li>
 * <li><b>The calling sequences</b> (5.4): open runs the initial sequence (C_GetFunctionList,
 *     C_Initialize, C_GetSlotList with tokenPresent TRUE, C_GetSlotInfo, C_GetTokenInfo, C_OpenSession);
 *     login is its C_Login(CKU_USER); certificates are found with C_FindObjects(CKO_CERTIFICATE) and
 *     told apart by the <b>official labels</b> of table 5-2 ({@code USERCERT}, {@code CACERT}); the key
 *     is the private key labelled {@code USERKEY}; signing is C_SignInit(CKM_RSA_PKCS) and C_Sign over
 *     the DigestInfo the host built; repeated signing reuses the session; close is the final sequence
 *     (C_Logout, C_CloseSession, <b>C_Finalize</b>).</li>
 * <li><b>Never two sequences at once</b>: every call runs on the token's queue, and nothing polls the
 *     library (no watch, no listing) while the token is open.</li>
 * </ul>
 * The library's objects are private (CKA_PRIVATE TRUE in the specification), so the credential is
 * readable only after login.
 */
final class JpkiLibraryToken implements SecureToken {
    private static final Logger log = LoggerFactory.getLogger(JpkiLibraryToken.class);
    static final String USER_CERTIFICATE = "USERCERT";
    static final String CA_CERTIFICATE = "CACERT";
    static final String USER_KEY = "USERKEY";
    private static final TokenCapabilities CAPABILITIES = TokenCapabilities.of(JahisCapability.CREDENTIAL_STORAGE,
            JahisCapability.ENTITY_AUTHENTICATION, JahisCapability.SIGNATURE_GENERATION);

    /**
     * The JPKI library this process has loaded now, or null. Process-wide on purpose: the
     * specification allows one library at a time in the application, whichever token opened it.
     */
    private static Path loaded;

    private final JpkiTokenType type;
    private final TokenInfo info;
    private final CommandQueue queue;
    // on the queue
    private final Pkcs11Library library;
    private final Pkcs11Library.Session session;
    private volatile boolean loggedIn;
    private volatile boolean closed;
    private List<X509Certificate> chain;
    private final java.util.Map<X509Certificate, String> labels = new java.util.HashMap<>();

    private JpkiLibraryToken(JpkiTokenType type, JpkiConfig config, Pkcs11Library library,
            Pkcs11Library.Session session, String label, CommandQueue queue) {
        this.type = type;
        this.library = library;
        this.session = session;
        this.queue = queue;
        this.info = new TokenInfo(config.uri(), "My Number Card (" + type.displayName() + ", JPKI library)", "J-LIS",
                "JPKI " + type.displayName() + " " + label, "");
    }

    /** The library this process has loaded through this route now, if any. */
    static synchronized java.util.Optional<Path> loadedLibrary() {
        return java.util.Optional.ofNullable(loaded);
    }

    private static synchronized void acquire(Path module) throws TokenBusyException {
        if (loaded != null) {
            throw new TokenBusyException("the JPKI PKCS#11 library " + loaded + ", which another token of this process"
                    + " has loaded (one JPKI library at a time: close that token first)");
        }
        loaded = module;
    }

    private static synchronized void release() {
        loaded = null;
    }

    /** Runs the initial calling sequence (without C_Login) on a new token's queue. */
    static JpkiLibraryToken open(JpkiConfig config, Path module) throws TokenException {
        acquire(module);
        CommandQueue queue = new CommandQueue("jpki-library-" + config.type().uriName());
        try {
            return queue.call(() -> {
                Pkcs11Library library = Pkcs11Library.initialize(module);
                try {
                    Pkcs11Library.TokenSlot slot = slotOf(config.type(), library.slotsWithToken(), module);
                    Pkcs11Library.Session session = library.openSession(slot);
                    log.info("Opened the JPKI library {} (token '{}')", module, slot.label());
                    return new JpkiLibraryToken(config.type(), config, library, session, slot.label(), queue);
                } catch (TokenException | RuntimeException e) {
                    finalizeQuietly(library);
                    throw e;
                }
            });
        } catch (TokenException | RuntimeException e) {
            queue.close();
            release();
            throw e;
        }
    }

    /**
     * The slot of the token asked for: an official library holds one token (its library is per
     * certificate type); a library holding both (as OpenSC's does) names them by their PIN, and the
     * one whose label names this type is taken.
     */
    private static Pkcs11Library.TokenSlot slotOf(JpkiTokenType type, List<Pkcs11Library.TokenSlot> slots, Path module)
            throws TokenException {
        if (slots.size() == 1) {
            return slots.get(0);
        }
        String wanted = type == JpkiTokenType.AUTH ? "authentication" : "signature";
        return slots.stream().filter(s -> s.label().toLowerCase(java.util.Locale.ROOT).contains(wanted)).findFirst()
                .orElseThrow(() -> new jp.securetoken.api.TokenNotPresentException("no My Number Card "
                        + type.displayName() + " token in " + module + " (tokens there: "
                        + slots.stream().map(Pkcs11Library.TokenSlot::label).toList() + ")"));
    }

    @Override
    public TokenInfo info() {
        return info;
    }

    @Override
    public TokenCapabilities capabilities() {
        return CAPABILITIES;
    }

    /**
     * The schemes of USERCERT's key once it is read; before login, those of CKM_RSA_PKCS over a
     * DigestInfo, the only signing mechanism of the library (specification table 5-1).
     */
    @Override
    public Set<SignatureScheme> signatureSchemes() {
        List<X509Certificate> c = chain;
        return c == null ? CardSignatures.rsaPkcs1() : CardSignatures.schemesOf(c.get(0).getPublicKey());
    }

    /** The library tells no tries left (PKCS#11 has no counter). */
    @Override
    public PinStatus pinStatus(PinRole role) throws TokenException {
        requireUser(role);
        return PinStatus.retriesUnknown(role);
    }

    @Override
    public void login(PinCallback pin) throws TokenException {
        queue.call(() -> {
            ensureOpen();
            char[] entered = pin.providePin(new PinRequest(PinRole.USER, "login", info.label(), PinStatus.UNKNOWN,
                    PinFormat.rule(type)));
            if (entered == null) {
                throw new PinEntryCancelledException(PinRole.USER);
            }
            byte[] ascii = null;
            char[] chars = null;
            try {
                ascii = PinFormat.toCardBytes(type, entered);
                chars = new char[ascii.length];
                for (int i = 0; i < ascii.length; i++) {
                    chars[i] = (char) ascii[i];
                }
                session.login(chars);
                loggedIn = true;
            } catch (TokenException e) {
                if ("CKR_PIN_INCORRECT".equals(Pkcs11Library.ckr(e))) {
                    throw new PinIncorrectException(PinRole.USER);
                }
                throw e;
            } finally {
                Arrays.fill(entered, '\0');
                if (ascii != null) {
                    Arrays.fill(ascii, (byte) 0);
                }
                if (chars != null) {
                    Arrays.fill(chars, '\0');
                }
            }
            return null;
        });
    }

    @Override
    public void logout() throws TokenException {
        queue.call(() -> {
            ensureOpen();
            if (loggedIn) {
                loggedIn = false;
                chain = null;
                labels.clear();
                session.logout();
            }
            return null;
        });
    }

    @Override
    public boolean isLoggedIn() {
        return loggedIn && !closed;
    }

    @Override
    public void changePin(PinRole role, PinCallback currentPin, PinCallback newPin) throws TokenException {
        throw new OperationNotSupportedException("Changing the PIN through the JPKI library",
                "its API has no C_SetPIN; use the JPKI client software");
    }

    @Override
    public void unlockUserPin(PinCallback administratorPin, PinCallback newUserPin) throws TokenException {
        throw new OperationNotSupportedException("Unlocking a My Number Card PIN",
                "only a municipal office can reset a locked PIN.");
    }

    @Override
    public List<Credential> credentials() throws TokenException {
        return queue.call(() -> {
            List<X509Certificate> c = readChain("Reading the " + type.displayName() + " certificate");
            return List.of(new Credential(type.uriName(), c, type.usage(), new JpkiTokenKey(queue, c.get(0)
                    .getPublicKey(), CardSignatures.schemesOf(c.get(0).getPublicKey()), this::signDigest,
                    type.uriName())));
        });
    }

    /** The certificates with their labels (official: USERCERT, CACERT); empty before login (the library's objects are private). */
    @Override
    public List<TokenObject> objects() throws TokenException {
        return queue.call(() -> {
            ensureOpen();
            List<TokenObject> out = new ArrayList<>();
            if (!loggedIn) {
                return out;
            }
            List<X509Certificate> c = readChain("Reading the certificates");
            for (X509Certificate certificate : c) {
                out.add(new TokenObject(TokenObject.Kind.CERTIFICATE, labels.getOrDefault(certificate, ""), "", true,
                        certificate.getPublicKey().getAlgorithm(), certificate));
            }
            return out;
        });
    }

    private List<X509Certificate> readChain(String operation) throws TokenException {
        ensureOpen();
        if (!loggedIn) {
            throw new LoginRequiredException(operation);
        }
        if (chain == null) {
            X509Certificate user = null;
            X509Certificate ca = null;
            List<X509Certificate> all = new ArrayList<>();
            for (Pkcs11Library.Certificate c : session.certificates()) {
                X509Certificate certificate = parse(c.der());
                all.add(certificate);
                labels.put(certificate, c.label());
                if (USER_CERTIFICATE.equals(c.label())) {
                    user = certificate;
                } else if (CA_CERTIFICATE.equals(c.label())) {
                    ca = certificate;
                }
            }
            if (user == null) {
                user = certificateWithKey(all);
                ca = issuerOf(user, all);
            }
            chain = ca == null ? List.of(user) : List.of(user, ca);
        }
        return chain;
    }

    /**
     * For a library without the official labels (OpenSC's names its objects "User Authentication
     * Certificate" and so on): the user certificate is the one whose RSA key this token holds as a
     * private key, found as the signing sequence finds USERKEY (by modulus and public exponent).
     */
    private X509Certificate certificateWithKey(List<X509Certificate> certificates) throws TokenException {
        List<X509Certificate> withKey = new ArrayList<>();
        for (X509Certificate c : certificates) {
            if (c.getPublicKey() instanceof java.security.interfaces.RSAPublicKey rsa
                    && !session.privateKeys(rsa.getModulus(), rsa.getPublicExponent()).isEmpty()) {
                withKey.add(c);
            }
        }
        if (withKey.size() != 1) {
            throw new CredentialNotFoundException(USER_CERTIFICATE, info.label());
        }
        log.debug("{}: no object labelled {}; the certificate of the token's private key stands for it",
                info.label(), USER_CERTIFICATE);
        return withKey.get(0);
    }

    /** The certificate among {@code certificates} that issued {@code user}, or null. */
    private static X509Certificate issuerOf(X509Certificate user, List<X509Certificate> certificates) {
        for (X509Certificate c : certificates) {
            if (c != user && c.getSubjectX500Principal().equals(user.getIssuerX500Principal())) {
                try {
                    user.verify(c.getPublicKey());
                    return c;
                } catch (java.security.GeneralSecurityException e) {
                    // same name, other key: not the issuer
                }
            }
        }
        return null;
    }

    /** On the queue: C_SignInit(CKM_RSA_PKCS) + C_Sign on USERKEY, checked with the certificate. */
    private byte[] signDigest(java.security.PublicKey publicKey, SignatureScheme scheme, byte[] digest)
            throws TokenException {
        ensureOpen();
        if (!loggedIn) {
            throw new LoginRequiredException("Signing with the " + type.displayName() + " key");
        }
        Pkcs11Library.PrivateKey key = userKey(publicKey);
        byte[] input = CardSignatures.cardInput(publicKey, scheme, digest);
        byte[] signature = CardSignatures.fromCard(publicKey, session.signRsaPkcs(key, input));
        if (!CardSignatures.verifies(publicKey, input, signature)) {
            throw new TokenDeviceException("the library's signature does not verify with USERCERT's public key",
                    "SIGNATURE_INVALID", null);
        }
        return signature;
    }

    /**
     * USERKEY, found as the signing sequence says: the private key with USERCERT's modulus and
     * public exponent; among several, the one with the official label.
     */
    private Pkcs11Library.PrivateKey userKey(java.security.PublicKey publicKey) throws TokenException {
        if (!(publicKey instanceof java.security.interfaces.RSAPublicKey rsa)) {
            throw new TokenDeviceException("USERCERT holds a " + publicKey.getAlgorithm() + " key; the JPKI library"
                    + " signs with RSA only", "KEY_TYPE", null);
        }
        List<Pkcs11Library.PrivateKey> keys = session.privateKeys(rsa.getModulus(), rsa.getPublicExponent());
        return keys.stream().filter(k -> USER_KEY.equals(k.label())).findFirst()
                .or(() -> keys.size() == 1 ? java.util.Optional.of(keys.get(0)) : java.util.Optional.empty())
                .orElseThrow(() -> new CredentialNotFoundException(USER_KEY, info.label()));
    }

    @Override
    public UserDataStore userData() throws CapabilityNotSupportedException {
        throw new CapabilityNotSupportedException(JahisCapability.USER_DATA_STORAGE, info.label());
    }

    @Override
    public CredentialLifecycle lifecycle() throws CapabilityNotSupportedException {
        throw new CapabilityNotSupportedException(JahisCapability.CREDENTIAL_WRITE_UPDATE, info.label());
    }

    /** The final calling sequence: C_Logout, C_CloseSession, C_Finalize; then the library is released. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        try {
            queue.call(() -> {
                closed = true;
                try {
                    if (loggedIn) {
                        loggedIn = false;
                        session.logout();
                    }
                    session.close();
                } catch (TokenException e) {
                    log.debug("Closing the JPKI library session: {}", e.getMessage());
                } finally {
                    finalizeQuietly(library);
                }
                return null;
            });
        } catch (TokenException e) {
            log.debug("Closing {}: {}", info.label(), e.getMessage());
        } finally {
            closed = true;
            queue.close();
            release();
        }
    }

    private static void finalizeQuietly(Pkcs11Library library) {
        try {
            library.close();
        } catch (TokenException e) {
            log.warn("C_Finalize of {} failed: {}", library.module(), e.getMessage());
        }
    }

    private void ensureOpen() throws TokenClosedException {
        if (closed) {
            throw new TokenClosedException(info.label());
        }
    }

    private static void requireUser(PinRole role) throws OperationNotSupportedException {
        if (role != PinRole.USER) {
            throw new OperationNotSupportedException("The " + role.displayName(), "a My Number Card has only the"
                    + " user's PIN for each certificate.");
        }
    }

    private X509Certificate parse(byte[] der) throws TokenDeviceException {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der));
        } catch (CertificateException e) {
            throw new TokenDeviceException("a certificate object of the JPKI library is not X.509", "CKA_VALUE", e);
        }
    }

    @Override
    public String toString() {
        return "JpkiLibraryToken[" + info.uri() + "]";
    }
}
