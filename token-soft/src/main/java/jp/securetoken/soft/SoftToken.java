package jp.securetoken.soft;

import java.io.IOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;

import javax.security.auth.x500.X500Principal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
import jp.securetoken.api.TokenBusyException;
import jp.securetoken.api.TokenCapabilities;
import jp.securetoken.api.TokenClosedException;
import jp.securetoken.api.TokenCorruptException;
import jp.securetoken.api.TokenException;
import jp.securetoken.api.TokenInfo;
import jp.securetoken.api.TokenKey;
import jp.securetoken.api.TokenNotPresentException;
import jp.securetoken.api.TokenStorageException;
import jp.securetoken.api.UserDataLimitException;
import jp.securetoken.api.UserDataStore;

/**
 * An open software token file. It holds an exclusive lock on the sidecar file {@code <name>.lock}
 * while open; every operation runs on its {@link CommandQueue}, and every change is written to
 * disk with an atomic replace before it is reported.
 */
final class SoftToken implements SecureToken {
    private static final Logger LOG = LoggerFactory.getLogger(SoftToken.class);

    static final int MIN_PIN = 4;
    static final int MAX_PIN = 64;
    static final String PIN_RULE = MIN_PIN + " to " + MAX_PIN + " characters";
    static final int MAX_RECORD_SIZE = 4096;
    static final int MAX_RECORDS = 64;
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    static final Set<SignatureScheme> SCHEMES = Collections.unmodifiableSet(EnumSet.of(
            SignatureScheme.RSA_PKCS1_SHA256, SignatureScheme.RSA_PKCS1_SHA384, SignatureScheme.RSA_PKCS1_SHA512,
            SignatureScheme.RSA_PSS_SHA256, SignatureScheme.RSA_PSS_SHA384, SignatureScheme.RSA_PSS_SHA512,
            SignatureScheme.ECDSA_P256_SHA256, SignatureScheme.ECDSA_P384_SHA384));

    static final String NO_ANCHOR = "the token holds no issuer anchor, so it cannot tell the issuing server's"
            + " chain from any other; nodeauth enroll --issuer-anchor or soft init --issuer-anchor records one";

    private final Path file;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final CommandQueue queue;
    private final TokenInfo info;
    private volatile TokenCapabilities capabilities;
    private final AtomicBoolean closing = new AtomicBoolean();
    private final UserDataStore userData = new SoftUserData();
    private final CredentialLifecycle lifecycle = new SoftLifecycle();

    // State below is read and written only on the queue's thread.
    private TokenFile stored;
    private PublicContents contents;
    private PrivateContents keys;
    private byte[] dataKey;
    private volatile boolean loggedIn;
    private volatile boolean closed;

    private SoftToken(Path file, FileChannel lockChannel, FileLock lock, TokenFile stored, PublicContents contents) {
        this.file = file;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.stored = stored;
        this.contents = contents;
        URI uri = new SoftTokenConfig(file).uri();
        this.info = new TokenInfo(uri, contents.label(), "securetoken", "software token", contents.serial());
        this.queue = new CommandQueue(contents.label());
        this.capabilities = capabilitiesFor(contents);
    }

    private static TokenCapabilities capabilitiesFor(PublicContents contents) {
        Set<JahisCapability> caps = EnumSet.of(JahisCapability.CREDENTIAL_STORAGE,
                JahisCapability.ENTITY_AUTHENTICATION, JahisCapability.SIGNATURE_GENERATION,
                JahisCapability.USER_DATA_STORAGE, JahisCapability.CREDENTIAL_WRITE_UPDATE,
                JahisCapability.KEY_GENERATION);
        if (!contents.anchors().isEmpty()) {
            // writes are accepted only for chains leading to the recorded issuer, whatever channel carried them
            caps.add(JahisCapability.ISSUING_SERVER_AUTHENTICATION);
            caps.add(JahisCapability.REMOTE_WRITE_UPDATE);
        }
        return new TokenCapabilities(caps)
                .absentBecause(JahisCapability.ISSUING_SERVER_AUTHENTICATION, NO_ANCHOR)
                .absentBecause(JahisCapability.REMOTE_WRITE_UPDATE, NO_ANCHOR);
    }

    /** Opens the token file, taking the exclusive lock on its sidecar lock file. */
    static SoftToken open(Path path) throws TokenException {
        Path file = path.toAbsolutePath().normalize();
        if (!Files.isRegularFile(file)) {
            throw new TokenNotPresentException("no token file at " + file);
        }
        Path lockFile = file.resolveSibling(file.getFileName() + ".lock");
        FileChannel channel;
        try {
            channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new TokenStorageException("the lock file " + lockFile + " cannot be opened", e);
        }
        FileLock lock = null;
        try {
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                throw new TokenBusyException(file.toString());
            }
            AtomicFiles.removeLeftovers(file);
            TokenFile stored = TokenFile.decode(AtomicFiles.read(file));
            PublicContents contents = PublicContents.decode(stored.publicSection());
            SoftToken token = new SoftToken(file, channel, lock, stored, contents);
            LOG.debug("Opened software token {} at {}", contents.label(), file);
            return token;
        } catch (TokenException | IOException | RuntimeException e) {
            release(channel, lock);
            if (e instanceof TokenException te) {
                throw te;
            }
            if (e instanceof IOException io) {
                throw new TokenStorageException("locking " + lockFile + " failed", io);
            }
            throw (RuntimeException) e;
        }
    }

    private static void release(FileChannel channel, FileLock lock) {
        try {
            if (lock != null) {
                lock.release();
            }
            channel.close();
        } catch (IOException e) {
            LOG.warn("Releasing a token lock failed: {}", e.toString());
        }
    }

    CommandQueue queue() {
        return queue;
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
        return SCHEMES;
    }

    @Override
    public PinStatus pinStatus(PinRole role) throws TokenException {
        return queue.call(() -> {
            ensureOpen();
            PinSlot slot = slot(role);
            return PinStatus.of(role, slot.retriesLeft(), slot.maxRetries());
        });
    }

    @Override
    public void login(PinCallback pin) throws TokenException {
        queue.call(() -> {
            ensureOpen();
            requireNotLocked(PinRole.USER);
            char[] entered = null;
            byte[] key = null;
            try {
                entered = askPin(pin, PinRole.USER, "login");
                key = verifyPin(PinRole.USER, entered);
                openPrivateSection(key);
                key = null;
                LOG.info("User logged in to software token {}", info.label());
                return null;
            } finally {
                Crypto.wipe(entered);
                Crypto.wipe(key);
            }
        });
    }

    /** Key-based entity authentication (JAHIS 7.2.2 b): see {@link DeviceSlot}. */
    @Override
    public void login(jp.securetoken.api.DeviceKey device) throws TokenException {
        queue.call(() -> {
            ensureOpen();
            byte[] record = contents.userData().get(DeviceSlot.RECORD);
            if (record == null) {
                throw new jp.securetoken.api.DeviceKeyRejectedException("no device key is enrolled in software token "
                        + info.label() + "; enrol one after a PIN login");
            }
            byte[] key = DeviceSlot.decode(record).unlock(device, contents.serial());
            openPrivateSection(key);
            LOG.info("Device logged in to software token {} with its host key", info.label());
            return null;
        });
    }

    /** Enrols an RSA host key (PKCS#1 v1.5 signatures are deterministic); needs a PIN login. */
    @Override
    public void enrolDeviceKey(jp.securetoken.api.DeviceKey device) throws TokenException {
        queue.call(() -> {
            ensureOpen();
            requireLogin("Enrolling a device key");
            DeviceSlot slot = DeviceSlot.enrol(device, contents.serial(), dataKey);
            storeContents(contents.withUserData(DeviceSlot.RECORD, slot.encode()), keys);
            LOG.info("Enrolled a device key in software token {}", info.label());
            return null;
        });
    }

    @Override
    public void logout() throws TokenException {
        queue.call(() -> {
            ensureOpen();
            clearSession();
            return null;
        });
    }

    @Override
    public boolean isLoggedIn() {
        return loggedIn && !closed;
    }

    @Override
    public void changePin(PinRole role, PinCallback currentPin, PinCallback newPin) throws TokenException {
        queue.call(() -> {
            ensureOpen();
            requireNotLocked(role);
            char[] current = null;
            char[] next = null;
            byte[] key = null;
            try {
                current = askPin(currentPin, role, "current PIN");
                next = askPin(newPin, role, "new PIN");
                key = verifyPin(role, current);
                PinSlot old = slot(role);
                PinSlot fresh = PinSlot.create(next, key, old.maxRetries(), strongestIterations(), roleByte(role));
                store(role == PinRole.USER ? stored.withUser(fresh) : stored.withAdmin(fresh));
                LOG.info("The {} of software token {} was changed", role.displayName(), info.label());
                return null;
            } finally {
                Crypto.wipe(current);
                Crypto.wipe(next);
                Crypto.wipe(key);
            }
        });
    }

    @Override
    public void unlockUserPin(PinCallback administratorPin, PinCallback newUserPin) throws TokenException {
        queue.call(() -> {
            ensureOpen();
            requireNotLocked(PinRole.ADMINISTRATOR);
            char[] admin = null;
            char[] next = null;
            byte[] key = null;
            try {
                admin = askPin(administratorPin, PinRole.ADMINISTRATOR, "unlock user PIN");
                next = askPin(newUserPin, PinRole.USER, "new PIN");
                key = verifyPin(PinRole.ADMINISTRATOR, admin);
                PinSlot old = stored.user();
                store(stored.withUser(PinSlot.create(next, key, old.maxRetries(), strongestIterations(),
                        TokenFile.ROLE_USER)));
                LOG.info("The user PIN of software token {} was unlocked and reset", info.label());
                return null;
            } finally {
                Crypto.wipe(admin);
                Crypto.wipe(next);
                Crypto.wipe(key);
            }
        });
    }

    @Override
    public List<Credential> credentials() throws TokenException {
        return queue.call(() -> {
            ensureOpen();
            List<Credential> out = new ArrayList<>();
            for (Map.Entry<String, PublicContents.StoredChain> e : contents.credentials().entrySet()) {
                out.add(credential(e.getKey(), e.getValue()));
            }
            return out;
        });
    }

    private Credential credential(String alias, PublicContents.StoredChain stored) {
        return new Credential(alias, stored.chain(), stored.usage(),
                new SoftTokenKey(this, alias, stored.chain().get(0).getPublicKey()));
    }

    @Override
    public UserDataStore userData() {
        return userData;
    }

    @Override
    public CredentialLifecycle lifecycle() {
        return lifecycle;
    }

    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        try {
            queue.call(() -> {
                clearSession();
                closed = true;
                return null;
            });
        } catch (TokenException e) {
            LOG.debug("Closing token {}: {}", info.label(), e.getMessage());
        } finally {
            closed = true;
            queue.close();
            release(lockChannel, lock);
            LOG.debug("Closed software token {}", info.label());
        }
    }

    @Override
    public String toString() {
        return "SoftToken[" + info.label() + ", " + file + "]";
    }

    // ---- called on the queue ----

    byte[] signDigest(String alias, PublicKey publicKey, SignatureScheme scheme, byte[] digest) throws TokenException {
        ensureOpen();
        requireLogin("Signing with key '" + alias + "'");
        KeyPair pair = findKey(alias, publicKey);
        if (pair == null) {
            throw new CredentialNotFoundException(alias, info.label());
        }
        return KeySigner.signDigest(pair.getPrivate(), scheme, digest);
    }

    private KeyPair findKey(String alias, PublicKey publicKey) {
        for (KeyPair candidate : new KeyPair[] {keys.current().get(alias), keys.pending().get(alias)}) {
            if (candidate != null && sameKey(candidate.getPublic(), publicKey)) {
                return candidate;
            }
        }
        return null;
    }

    private static boolean sameKey(PublicKey a, PublicKey b) {
        return Arrays.equals(a.getEncoded(), b.getEncoded());
    }

    private void ensureOpen() throws TokenClosedException {
        if (closed) {
            throw new TokenClosedException(info.label());
        }
    }

    private void requireLogin(String operation) throws LoginRequiredException {
        if (!loggedIn) {
            throw new LoginRequiredException(operation);
        }
    }

    private PinSlot slot(PinRole role) {
        return role == PinRole.USER ? stored.user() : stored.admin();
    }

    /**
     * The PBKDF2 count of a PIN slot being written: the higher of the two slots' counts, so that a
     * count lowered in one slot (by whoever could write the file) is never carried into a new PIN.
     */
    private int strongestIterations() {
        return Math.max(stored.user().iterations(), stored.admin().iterations());
    }

    private static byte roleByte(PinRole role) {
        return role == PinRole.USER ? TokenFile.ROLE_USER : TokenFile.ROLE_ADMIN;
    }

    private void requireNotLocked(PinRole role) throws PinLockedException {
        if (slot(role).locked()) {
            throw new PinLockedException(role, role == PinRole.USER
                    ? "Unlock it with the administrator PIN (unlockUserPin)."
                    : "The administrator PIN cannot be unlocked; re-issue the token.");
        }
    }

    private char[] askPin(PinCallback callback, PinRole role, String purpose) throws TokenException {
        char[] pin = callback.providePin(
                new PinRequest(role, purpose, info.label(), slot(role).retriesLeft(), PIN_RULE));
        if (pin == null) {
            throw new PinEntryCancelledException(role);
        }
        if (pin.length < MIN_PIN || pin.length > MAX_PIN) {
            Crypto.wipe(pin);
            throw new PinFormatException(role, PIN_RULE);
        }
        return pin;
    }

    /**
     * Counts a try on disk, then checks the PIN, then clears the count on success. A process killed
     * between the two writes keeps the try counted. Returns the data key.
     */
    private byte[] verifyPin(PinRole role, char[] pin) throws TokenException {
        PinSlot before = slot(role);
        PinSlot counted = before.withFailures(before.failures() + 1);
        store(role == PinRole.USER ? stored.withUser(counted) : stored.withAdmin(counted));
        byte[] key = before.unwrap(pin, roleByte(role));
        if (key == null) {
            LOG.warn("Wrong {} for software token {}; {} tries left", role.displayName(), info.label(),
                    counted.retriesLeft());
            throw new PinIncorrectException(role, counted.retriesLeft());
        }
        try {
            PinSlot cleared = counted.withFailures(0);
            store(role == PinRole.USER ? stored.withUser(cleared) : stored.withAdmin(cleared));
        } catch (TokenException | RuntimeException e) {
            Crypto.wipe(key);
            throw e;
        }
        return key;
    }

    private void openPrivateSection(byte[] key) throws TokenCorruptException {
        byte[] plain = Crypto.open(key, stored.privateNonce(), TokenFile.privateAad(stored.publicSection()),
                stored.privateSealed());
        if (plain == null) {
            Crypto.wipe(key);
            throw new TokenCorruptException("the private section does not authenticate: it was altered or damaged"
                    + " (the PIN was right)");
        }
        PrivateContents opened;
        try {
            opened = PrivateContents.decode(plain);
        } catch (TokenCorruptException e) {
            Crypto.wipe(key);
            throw e;
        } finally {
            Crypto.wipe(plain);
        }
        clearSession();
        keys = opened;
        dataKey = key;
        loggedIn = true;
    }

    private void clearSession() {
        loggedIn = false;
        keys = null;
        Crypto.wipe(dataKey);
        dataKey = null;
    }

    private void store(TokenFile next) throws TokenStorageException {
        AtomicFiles.replace(file, next.encode());
        stored = next;
    }

    private void storeContents(PublicContents nextPublic, PrivateContents nextPrivate) throws TokenStorageException {
        byte[] publicBytes = nextPublic.encode();
        byte[] nonce = Crypto.random(Crypto.NONCE_LENGTH);
        byte[] plain = nextPrivate.encode();
        byte[] sealed;
        try {
            sealed = Crypto.seal(dataKey, nonce, TokenFile.privateAad(publicBytes), plain);
        } finally {
            Crypto.wipe(plain);
        }
        store(new TokenFile(stored.user(), stored.admin(), publicBytes, nonce, sealed));
        contents = nextPublic;
        keys = nextPrivate;
    }

    private static void requireName(String what, String name) throws UserDataLimitException {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new UserDataLimitException(what + " must be 1 to 64 characters of A-Z a-z 0-9 . _ -");
        }
    }

    private static void requireUnreserved(String name) throws UserDataLimitException {
        if (name.startsWith(DeviceSlot.RESERVED_PREFIX)) {
            throw new UserDataLimitException("record names starting with " + DeviceSlot.RESERVED_PREFIX
                    + " are reserved for the token itself");
        }
    }

    private static void requireAlias(String alias) throws CredentialMismatchException {
        if (alias == null || !NAME.matcher(alias).matches()) {
            throw new CredentialMismatchException("an alias must be 1 to 64 characters of A-Z a-z 0-9 . _ -");
        }
    }

    /** User data records in the public section. */
    private final class SoftUserData implements UserDataStore {
        @Override
        public List<String> names() throws TokenException {
            return queue.call(() -> {
                ensureOpen();
                return contents.userData().keySet().stream()
                        .filter(n -> !n.startsWith(DeviceSlot.RESERVED_PREFIX)).toList();
            });
        }

        @Override
        public Optional<byte[]> read(String name) throws TokenException {
            return queue.call(() -> {
                ensureOpen();
                byte[] v = name.startsWith(DeviceSlot.RESERVED_PREFIX) ? null : contents.userData().get(name);
                return Optional.ofNullable(v == null ? null : v.clone());
            });
        }

        @Override
        public void write(String name, byte[] value) throws TokenException {
            byte[] copy = value.clone();
            queue.call(() -> {
                ensureOpen();
                requireLogin("Writing user data");
                requireName("A record name", name);
                requireUnreserved(name);
                if (copy.length > MAX_RECORD_SIZE) {
                    throw new UserDataLimitException("a record holds at most " + MAX_RECORD_SIZE + " bytes, got "
                            + copy.length);
                }
                if (!contents.userData().containsKey(name) && contents.userData().size() >= MAX_RECORDS) {
                    throw new UserDataLimitException("the token holds at most " + MAX_RECORDS + " records");
                }
                storeContents(contents.withUserData(name, copy), keys);
                return null;
            });
        }

        @Override
        public boolean delete(String name) throws TokenException {
            return queue.call(() -> {
                ensureOpen();
                requireLogin("Deleting user data");
                requireUnreserved(name);
                if (!contents.userData().containsKey(name)) {
                    return false;
                }
                storeContents(contents.withUserData(name, null), keys);
                return true;
            });
        }

        @Override
        public int maxRecordSize() {
            return MAX_RECORD_SIZE;
        }

        @Override
        public int maxRecords() {
            return MAX_RECORDS;
        }
    }

    /** Key generation, requests and credential writes. */
    private final class SoftLifecycle implements CredentialLifecycle {
        @Override
        public TokenKey generateKeyPair(String alias, KeyAlgorithm algorithm) throws TokenException {
            return queue.call(() -> {
                ensureOpen();
                requireLogin("Generating a key pair");
                requireAlias(alias);
                KeyPair pair = generate(algorithm);
                storeContents(contents, keys.withPending(alias, pair));
                LOG.info("Generated a {} key pair for '{}' in software token {}", algorithm, alias, info.label());
                return new SoftTokenKey(SoftToken.this, alias, pair.getPublic());
            });
        }

        @Override
        public byte[] createCertificationRequest(String alias, X500Principal subject) throws TokenException {
            return queue.call(() -> {
                ensureOpen();
                requireLogin("Creating a certification request");
                KeyPair pair = keys.pending().get(alias);
                if (pair == null) {
                    pair = keys.current().get(alias);
                }
                if (pair == null) {
                    throw new CredentialNotFoundException(alias, info.label());
                }
                return CertificationRequests.create(new SoftTokenKey(SoftToken.this, alias, pair.getPublic()),
                        subject);
            });
        }

        @Override
        public Credential writeCredential(String alias, List<X509Certificate> chain, CredentialUsage usage)
                throws TokenException {
            List<X509Certificate> copy = List.copyOf(chain);
            return queue.call(() -> {
                ensureOpen();
                requireLogin("Writing a credential");
                requireAlias(alias);
                if (copy.isEmpty()) {
                    throw new CredentialMismatchException("the chain is empty");
                }
                PublicKey certified = copy.get(0).getPublicKey();
                KeyPair pending = keys.pending().get(alias);
                KeyPair current = keys.current().get(alias);
                PrivateContents nextKeys;
                if (pending != null && sameKey(pending.getPublic(), certified)) {
                    nextKeys = keys.withCurrent(alias, pending).withPending(alias, null);
                } else if (current != null && sameKey(current.getPublic(), certified)) {
                    nextKeys = keys;
                } else {
                    throw new CredentialMismatchException("the certificate's public key is neither the pending nor"
                            + " the current key of '" + alias + "'");
                }
                CredentialChains.requireLinked(copy);
                CredentialChains.requireAnchored(copy, contents.anchors());
                PublicContents.StoredChain stored = new PublicContents.StoredChain(copy, usage);
                storeContents(contents.withCredential(alias, stored), nextKeys);
                LOG.info("Wrote credential '{}' to software token {}", alias, info.label());
                return credential(alias, stored);
            });
        }

        @Override
        public List<X509Certificate> issuerAnchors() throws TokenException {
            return queue.call(() -> {
                ensureOpen();
                return contents.anchors();
            });
        }

        @Override
        public void recordIssuerAnchor(X509Certificate anchor) throws TokenException {
            queue.call(() -> {
                ensureOpen();
                requireLogin("Recording an issuer anchor");
                if (contents.anchors().stream().anyMatch(a -> a.equals(anchor))) {
                    return null;
                }
                if (!contents.anchors().isEmpty()) {
                    throw new CredentialMismatchException("the token's issuer anchor is another CA's ("
                            + contents.anchors().get(0).getSubjectX500Principal().getName() + "); it is not moved to"
                            + " another issuer by an enrollment");
                }
                storeContents(contents.withAnchors(List.of(anchor)), keys);
                capabilities = capabilitiesFor(contents);
                LOG.info("Software token {} now holds issuer anchor {}", info.label(),
                        anchor.getSubjectX500Principal().getName());
                return null;
            });
        }

        @Override
        public boolean deleteCredential(String alias) throws TokenException {
            return queue.call(() -> {
                ensureOpen();
                requireLogin("Deleting a credential");
                boolean existed = contents.credentials().containsKey(alias) || keys.current().containsKey(alias)
                        || keys.pending().containsKey(alias);
                if (existed) {
                    storeContents(contents.withCredential(alias, null),
                            keys.withCurrent(alias, null).withPending(alias, null));
                }
                return existed;
            });
        }
    }

    /**
     * Takes a key pair made outside (a PKCS#12 file being migrated) as credential {@code alias},
     * with its chain, in one atomic write. Refused when the alias is taken, when the key is not one
     * a software token holds (RSA of 2048 bits or more, EC on P-256 or P-384), when the key does
     * not sign for the certificate's public key, or when the chain does not lead to the token's issuer anchor.
     */
    Credential importCredential(String alias, java.security.PrivateKey privateKey, List<X509Certificate> chain,
            CredentialUsage usage) throws TokenException {
        List<X509Certificate> copy = List.copyOf(chain);
        return queue.call(() -> {
            ensureOpen();
            requireLogin("Importing a credential");
            requireAlias(alias);
            if (copy.isEmpty()) {
                throw new CredentialMismatchException("the chain is empty");
            }
            if (contents.credentials().containsKey(alias) || keys.current().containsKey(alias)
                    || keys.pending().containsKey(alias)) {
                throw new CredentialMismatchException("the token already holds '" + alias + "'; choose another alias"
                        + " or delete it first");
            }
            PublicKey certified = copy.get(0).getPublicKey();
            String signatureAlgorithm = importableSignature(certified).orElseThrow(() ->
                    new CredentialMismatchException("the certificate's key (" + certified.getAlgorithm() + ") is not one"
                    + " a software token holds: RSA of 2048 bits or more, or EC on P-256 or P-384"));
            requireKeyMatches(privateKey, certified, signatureAlgorithm);
            CredentialChains.requireLinked(copy);
            CredentialChains.requireAnchored(copy, contents.anchors());
            PublicContents.StoredChain stored = new PublicContents.StoredChain(copy, usage);
            storeContents(contents.withCredential(alias, stored),
                    keys.withCurrent(alias, new KeyPair(certified, privateKey)).withPending(alias, null));
            LOG.info("Imported credential '{}' ({} key) into software token {}", alias, certified.getAlgorithm(),
                    info.label());
            return credential(alias, stored);
        });
    }

    /** The signature algorithm that proves a key of this kind, when it is one a software token holds. */
    private static Optional<String> importableSignature(PublicKey key) {
        if (key instanceof java.security.interfaces.RSAPublicKey rsa) {
            return rsa.getModulus().bitLength() >= 2048 ? Optional.of("SHA256withRSA") : Optional.empty();
        }
        if (key instanceof java.security.interfaces.ECPublicKey ec) {
            for (KeyAlgorithm named : new KeyAlgorithm[] {KeyAlgorithm.EC_P256, KeyAlgorithm.EC_P384}) {
                try {
                    java.security.AlgorithmParameters p = java.security.AlgorithmParameters.getInstance("EC");
                    p.init(new ECGenParameterSpec(named.curve()));
                    java.security.spec.ECParameterSpec spec = p.getParameterSpec(java.security.spec.ECParameterSpec.class);
                    if (spec.getOrder().equals(ec.getParams().getOrder())
                            && spec.getCurve().equals(ec.getParams().getCurve())) {
                        return Optional.of("SHA256withECDSA");
                    }
                } catch (GeneralSecurityException e) {
                    throw new IllegalStateException("the JDK does not know " + named.curve(), e);
                }
            }
        }
        return Optional.empty();
    }

    /** A signature by {@code privateKey} that {@code certified} verifies, or the key pair is refused. */
    private static void requireKeyMatches(java.security.PrivateKey privateKey, PublicKey certified, String name)
            throws CredentialMismatchException {
        try {
            byte[] probe = new byte[32];
            new java.security.SecureRandom().nextBytes(probe);
            java.security.Signature signer = java.security.Signature.getInstance(name);
            signer.initSign(privateKey);
            signer.update(probe);
            byte[] signature = signer.sign();
            java.security.Signature verifier = java.security.Signature.getInstance(name);
            verifier.initVerify(certified);
            verifier.update(probe);
            if (!verifier.verify(signature)) {
                throw new CredentialMismatchException("the private key does not belong to the certificate");
            }
        } catch (GeneralSecurityException e) {
            throw new CredentialMismatchException("the private key does not belong to the certificate ("
                    + e.getClass().getSimpleName() + ")");
        }
    }

    private static KeyPair generate(KeyAlgorithm algorithm) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance(algorithm.jcaName());
            if (algorithm.curve() != null) {
                g.initialize(new ECGenParameterSpec(algorithm.curve()));
            } else {
                g.initialize(algorithm.bits());
            }
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot generate " + algorithm + " keys", e);
        }
    }
}
