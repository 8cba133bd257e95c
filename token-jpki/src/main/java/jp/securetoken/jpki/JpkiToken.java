package jp.securetoken.jpki;

import java.io.ByteArrayInputStream;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.smartcardio.CardException;
import javax.smartcardio.CardTerminal;
import javax.smartcardio.ResponseAPDU;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import jp.securetoken.api.CapabilityNotSupportedException;
import jp.securetoken.api.CommandQueue;
import jp.securetoken.api.Credential;
import jp.securetoken.api.CredentialLifecycle;
import jp.securetoken.api.JahisCapability;
import jp.securetoken.api.LoginRequiredException;
import jp.securetoken.api.OperationNotSupportedException;
import jp.securetoken.api.PinCallback;
import jp.securetoken.api.PinEntryCancelledException;
import jp.securetoken.api.PinLockedException;
import jp.securetoken.api.PinRequest;
import jp.securetoken.api.PinRole;
import jp.securetoken.api.PinStatus;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.SignatureScheme;
import jp.securetoken.api.TokenCapabilities;
import jp.securetoken.api.TokenClosedException;
import jp.securetoken.api.TokenDeviceException;
import jp.securetoken.api.TokenException;
import jp.securetoken.api.TokenInfo;
import jp.securetoken.api.TokenNotPresentException;
import jp.securetoken.api.TokenRemovedException;
import jp.securetoken.api.UserDataStore;

/**
 * One logical token of a My Number Card (JPKI) in a PC/SC reader, reached with
 * {@code javax.smartcardio}: the user-authentication token ({@code jpki:auth}) or the signature token
 * ({@code jpki:sign}). Open it with {@code SecureTokens.discover().open("jpki:auth")} or
 * {@link JpkiTokenProvider}.
 *
 * <h2>What it does</h2>
 * <ul>
 * <li>{@link #credentials()}: one credential, alias {@code auth} (usage node authentication) or
 *     {@code sign} (document signing), whose chain is the certificate and the card's CA certificate. The
 *     user-authentication certificate is read without PIN; the signature certificate only after
 *     {@link #login}: before it, {@code credentials()} of {@code jpki:sign} throws
 *     {@link LoginRequiredException}. {@link #caCertificate()} reads either token's CA certificate
 *     without PIN (to compare its fingerprint with the published one).</li>
 * <li>Signing: RSA PKCS#1 v1.5 with SHA-1/256/384/512 only. The host builds the DigestInfo, the card
 *     signs it, and the token verifies the signature with the certificate's public key before
 *     returning it (a signature that does not verify is a {@link TokenDeviceException} with device code
 *     {@code SIGNATURE_INVALID}).</li>
 * <li>PINs: {@link #pinStatus} uses the card's data-less VERIFY, which spends no try. {@link #login}
 *     first reads that status: a locked PIN throws {@link PinLockedException} without the callback being
 *     asked and without VERIFY being sent. A PIN of the wrong form throws
 *     {@link jp.securetoken.api.PinFormatException} before VERIFY (4 digits; 6–16 of A–Z 0–9, entered in
 *     either case and uppercased). A wrong PIN throws {@link jp.securetoken.api.PinIncorrectException}
 *     with the tries left ({@code 0} on the try that locks it). PIN arrays are wiped after use and
 *     never logged.</li>
 * <li>Not offered: unlocking a PIN ({@link OperationNotSupportedException}: only a municipal office can),
 *     an administrator PIN, user data and lifecycle operations ({@link CapabilityNotSupportedException}).</li>
 * </ul>
 *
 * <h2>Login state</h2>
 * The token never keeps the PIN. "Logged in" means: on the current PC/SC connection this token's
 * VERIFY succeeded, and nothing since has made the card forget it. The card forgets on SELECT of the
 * JPKI application, reset and power cycle, so the token logs out by selecting the application again
 * (this clears <em>both</em> PINs of the card: the card has no per-PIN logout). When the card answers
 * {@code 6982} (another application reset it or selected the application), or the connection was lost,
 * the token counts itself logged out and reports {@link LoginRequiredException}; log in again.
 *
 * <p>The PIN callback is asked outside any card transaction (a person may take a while), between
 * the status check and VERIFY; VERIFY then goes only to the connection that answered the status
 * check, after checking the status again, so a PIN is never sent to a card swapped in meanwhile.
 *
 * <h2>Removal and reinsertion</h2>
 * Every card access runs on the token's {@link CommandQueue} inside a PC/SC transaction. A card that
 * goes away during an operation fails it with {@link TokenRemovedException}; the connection is
 * dropped, and the next operation connects again (to the named reader, or to the first reader with a
 * JPKI card), so a reinserted card works without reopening the token, after a new login. A stale
 * connection noticed on an operation's first command (card pulled and put back in between) is
 * replaced once, silently. With no card (or reader) the operation throws
 * {@link TokenNotPresentException}.
 */
public final class JpkiToken implements SecureToken {
    private static final Logger log = LoggerFactory.getLogger(JpkiToken.class);

    private static final String ISSUED_AT_THE_OFFICE = "the My Number Card's keys and certificates are made and"
            + " written only when the card is issued or renewed at the municipal office (J-LIS)";
    private static final TokenCapabilities CAPABILITIES = TokenCapabilities.of(JahisCapability.CREDENTIAL_STORAGE,
            JahisCapability.ENTITY_AUTHENTICATION, JahisCapability.SIGNATURE_GENERATION)
            .absentBecause(JahisCapability.USER_DATA_STORAGE, "the JPKI application keeps no user data")
            .absentBecause(JahisCapability.ISSUING_SERVER_AUTHENTICATION, ISSUED_AT_THE_OFFICE)
            .absentBecause(JahisCapability.CREDENTIAL_WRITE_UPDATE, ISSUED_AT_THE_OFFICE)
            .absentBecause(JahisCapability.KEY_GENERATION, ISSUED_AT_THE_OFFICE)
            .absentBecause(JahisCapability.REMOTE_WRITE_UPDATE, ISSUED_AT_THE_OFFICE);

    private final JpkiConfig config;
    private final JpkiTokenType type;
    private final Readers readers;
    private final TokenInfo info;
    private final CommandQueue queue;
    private final AtomicBoolean closing = new AtomicBoolean();

    // Read and written only on the queue's thread.
    private CardLink link;
    private String lastReader;
    private X509Certificate certificate;
    private X509Certificate caCertificate;
    private volatile boolean loggedIn;
    private volatile boolean closed;

    private JpkiToken(JpkiConfig config, Readers readers) {
        this.config = config;
        this.type = config.type();
        this.readers = readers;
        String label = "My Number Card (" + type.displayName() + ")";
        this.info = new TokenInfo(config.uri(), label, "J-LIS", "JPKI " + type.displayName(), "");
        this.queue = new CommandQueue("jpki-" + type.uriName());
    }

    /** Opens the token and connects to its card; {@link TokenNotPresentException} when there is none. */
    static JpkiToken open(JpkiConfig config, Readers readers) throws TokenException {
        JpkiToken token = new JpkiToken(config, readers);
        try {
            token.queue.call(() -> {
                token.connect();
                return null;
            });
        } catch (TokenException | RuntimeException e) {
            token.queue.close();
            throw e;
        }
        return token;
    }

    /** Which of the card's two tokens this is. */
    public JpkiTokenType type() {
        return type;
    }

    /**
     * The card's self-signed CA certificate for this token's certificate, read without PIN. Compare its
     * SHA-256 fingerprint with the value J-LIS publishes before trusting it.
     */
    public X509Certificate caCertificate() throws TokenException {
        return queue.call(() -> onCard("Reading the CA certificate", this::readCaCertificate));
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
     * The schemes of the key in the card's certificate. Until the signature PIN lets the signature
     * certificate be read, the key type of its CA certificate stands in for it; a card that cannot be
     * read gives none.
     */
    @Override
    public Set<SignatureScheme> signatureSchemes() {
        try {
            return queue.call(() -> onCard("Reading the certificate's key", l -> {
                if (certificate == null && !(type.certificateNeedsPin() && !loggedIn)) {
                    certificate = readCertificate(l);
                }
                return CardSignatures.schemesOf(certificate != null ? certificate.getPublicKey()
                        : readCaCertificate(l).getPublicKey());
            }));
        } catch (TokenException e) {
            log.debug("{}: no signature schemes known ({})", info.label(), e.getMessage());
            return Set.of();
        }
    }

    /**
     * The card's certificates as objects: this token's certificate where it can be read now, and its
     * CA certificate (read without PIN; compare its SHA-256 fingerprint with the one J-LIS publishes).
     */
    @Override
    public List<jp.securetoken.api.TokenObject> objects() throws TokenException {
        return queue.call(() -> onCard("Reading the card's certificates", l -> {
            List<jp.securetoken.api.TokenObject> out = new ArrayList<>();
            JpkiCardProfile.Files files = l.profile().files(type);
            if (certificate == null && !(type.certificateNeedsPin() && !loggedIn)) {
                certificate = readCertificate(l);
            }
            if (certificate != null) {
                out.add(new jp.securetoken.api.TokenObject(jp.securetoken.api.TokenObject.Kind.CERTIFICATE,
                        type.uriName(), CardLink.fileName(files.certificate()), type.certificateNeedsPin(),
                        certificate.getPublicKey().getAlgorithm(), certificate));
            }
            X509Certificate ca = readCaCertificate(l);
            out.add(new jp.securetoken.api.TokenObject(jp.securetoken.api.TokenObject.Kind.CERTIFICATE,
                    type.uriName() + " CA", CardLink.fileName(files.caCertificate()), false,
                    ca.getPublicKey().getAlgorithm(), ca));
            return out;
        }));
    }

    /** The card's layout: the profile whose application the card answered. */
    public JpkiCardProfile profile() throws TokenException {
        return queue.call(() -> onCard("Reading the card's layout", CardLink::profile));
    }

    @Override
    public PinStatus pinStatus(PinRole role) throws TokenException {
        requireUserRole(role, "Reading the PIN status");
        return queue.call(() -> onCard("Reading the PIN status", this::readPinStatus));
    }

    @Override
    public void login(PinCallback pin) throws TokenException {
        queue.call(() -> {
            Checked checked = onCard("Login", l -> new Checked(l, requireNotLocked(l)));
            CardLink card = checked.link();
            byte[] entered = askPin(pin, "login", checked.status().retriesLeft());
            try {
                onCard("Login", card, l -> {
                    requireNotLocked(l);
                    afterVerify(l.verify(entered), "Login");
                    return null;
                });
            } finally {
                Arrays.fill(entered, (byte) 0);
            }
            log.info("{} PIN verified on the card in reader {}", type.displayName(), card.readerName());
            return null;
        });
    }

    @Override
    public void logout() throws TokenException {
        queue.call(() -> {
            ensureOpen();
            logoutOnCard();
            return null;
        });
    }

    @Override
    public boolean isLoggedIn() {
        return loggedIn && !closed;
    }

    @Override
    public void changePin(PinRole role, PinCallback currentPin, PinCallback newPin) throws TokenException {
        requireUserRole(role, "Changing the PIN");
        queue.call(() -> {
            Checked checked = onCard("Changing the PIN", l -> new Checked(l, requireNotLocked(l)));
            CardLink card = checked.link();
            byte[] current = null;
            byte[] next = null;
            try {
                current = askPin(currentPin, "current PIN", checked.status().retriesLeft());
                next = askPin(newPin, "new PIN", -1);
                byte[] verified = current;
                byte[] replacement = next;
                onCard("Changing the PIN", card, l -> {
                    requireNotLocked(l);
                    afterVerify(l.verify(verified), "Changing the PIN");
                    int sw = l.changePin(replacement);
                    if (sw != StatusWords.OK) {
                        throw StatusWords.error(sw, "Changing the PIN");
                    }
                    return null;
                });
            } finally {
                wipe(current);
                wipe(next);
            }
            log.info("{} PIN changed on the card in reader {}", type.displayName(), card.readerName());
            return null;
        });
    }

    /**
     * Always fails: a locked My Number Card PIN is reset only at a municipal office.
     *
     * @throws OperationNotSupportedException always
     */
    @Override
    public void unlockUserPin(PinCallback administratorPin, PinCallback newUserPin) throws TokenException {
        throw new OperationNotSupportedException("Unlocking a My Number Card PIN",
                "the card has no administrator PIN; only a municipal office can reset a locked PIN.");
    }

    @Override
    public List<Credential> credentials() throws TokenException {
        return queue.call(() -> onCard("Reading the " + type.displayName() + " certificate", l -> {
            X509Certificate ca = readCaCertificate(l);
            if (certificate == null) {
                if (type.certificateNeedsPin() && !loggedIn) {
                    throw new LoginRequiredException("Reading the " + type.displayName() + " certificate");
                }
                try {
                    certificate = readCertificate(l);
                } catch (LoginRequiredException e) {
                    loggedOut();
                    throw e;
                }
            }
            List<X509Certificate> chain = new ArrayList<>(List.of(certificate, ca));
            return List.of(new Credential(type.uriName(), chain, type.usage(),
                    new JpkiTokenKey(queue, certificate.getPublicKey(),
                            CardSignatures.schemesOf(certificate.getPublicKey()), this::signDigest, type.uriName())));
        }));
    }

    /** @throws CapabilityNotSupportedException always: the card holds no user data records */
    @Override
    public UserDataStore userData() throws CapabilityNotSupportedException {
        throw new CapabilityNotSupportedException(JahisCapability.USER_DATA_STORAGE, info.label());
    }

    /** @throws CapabilityNotSupportedException always: only J-LIS writes a My Number Card's credentials */
    @Override
    public CredentialLifecycle lifecycle() throws CapabilityNotSupportedException {
        throw new CapabilityNotSupportedException(JahisCapability.CREDENTIAL_WRITE_UPDATE, info.label());
    }

    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        try {
            queue.call(() -> {
                logoutOnCard();
                // not disconnected: the JVM shares the connection with the card's other token (CardLink)
                link = null;
                closed = true;
                return null;
            });
        } catch (TokenException e) {
            log.debug("Closing {}: {}", info.label(), e.getMessage());
        } finally {
            closed = true;
            queue.close();
        }
    }

    @Override
    public String toString() {
        return "JpkiToken[" + info.uri() + "]";
    }

    CommandQueue queue() {
        return queue;
    }

    // ---- on the queue ----

    /** Signs on the card, then checks the signature with {@code publicKey}. Runs on the queue. */
    byte[] signDigest(PublicKey publicKey, SignatureScheme scheme, byte[] digest) throws TokenException {
        String operation = "Signing with the " + type.displayName() + " key";
        return onCard(operation, l -> {
            if (!loggedIn) {
                throw new LoginRequiredException(operation);
            }
            byte[] input = CardSignatures.cardInput(publicKey, scheme, digest);
            ResponseAPDU r = l.sign(l.profile().files(type).privateKey(), input);
            if (r.getSW() == StatusWords.SECURITY_STATUS_NOT_SATISFIED) {
                loggedOut();
                log.info("The card in reader {} no longer holds the verified {} PIN (reset or reselected)",
                        l.readerName(), type.displayName());
                throw new LoginRequiredException(operation);
            }
            if (r.getSW() != StatusWords.OK) {
                throw StatusWords.error(r.getSW(), operation);
            }
            byte[] signature = CardSignatures.fromCard(publicKey, r.getData());
            if (!CardSignatures.verifies(publicKey, input, signature)) {
                throw new TokenDeviceException("the card's signature does not verify with the certificate's public"
                        + " key; is the card in the reader the one this key belongs to?", "SIGNATURE_INVALID", null);
            }
            return signature;
        });
    }

    /** One command sequence on the card, inside a PC/SC transaction. */
    @FunctionalInterface
    private interface CardOperation<T> {
        T run(CardLink link) throws CardException, TokenException;
    }

    private <T> T onCard(String operation, CardOperation<T> op) throws TokenException {
        return onCard(operation, null, op);
    }

    /**
     * Runs {@code op} in a PC/SC transaction. With {@code sameCard} {@code null} it connects as needed
     * and replaces a stale connection once; otherwise it runs only on that connection (a PIN asked for
     * the card in it never goes to another card) and a lost connection is {@link TokenRemovedException}.
     */
    private <T> T onCard(String operation, CardLink sameCard, CardOperation<T> op) throws TokenException {
        ensureOpen();
        if (sameCard != null && link != sameCard) {
            throw new TokenRemovedException(info.label(), null);
        }
        boolean fresh = false;
        while (true) {
            if (link == null) {
                connect();
                fresh = true;
            }
            CardLink l = link;
            int before = l.answered();
            try {
                return l.inTransaction(() -> op.run(l));
            } catch (CardException e) {
                boolean nothingAnswered = l.answered() == before;
                drop();
                if (nothingAnswered && !fresh && sameCard == null) {
                    log.info("The connection to the card in reader {} is stale ({}); connecting again",
                            l.readerName(), e.getMessage());
                    continue;
                }
                log.warn("{}: the card in reader {} went away ({})", operation, l.readerName(), e.getMessage());
                throw new TokenRemovedException(info.label(), e);
            }
        }
    }

    /** A PIN status read on the card, with the connection that answered it. */
    private record Checked(CardLink link, PinStatus status) {
    }

    private void connect() throws TokenException {
        List<CardTerminal> candidates = new ArrayList<>();
        for (CardTerminal t : readers.list()) {
            if (config.reader() == null || config.reader().equals(t.getName())) {
                if (t.getName().equals(lastReader)) {
                    candidates.add(0, t);
                } else {
                    candidates.add(t);
                }
            }
        }
        if (candidates.isEmpty()) {
            throw new TokenNotPresentException(config.reader() == null ? "no PC/SC reader is connected"
                    : "no PC/SC reader is named '" + config.reader() + "'");
        }
        boolean anyCard = false;
        for (CardTerminal t : candidates) {
            try {
                if (!t.isCardPresent()) {
                    continue;
                }
                anyCard = true;
                CardLink l = CardLink.open(t, config.profiles());
                if (l != null) {
                    link = l;
                    lastReader = t.getName();
                    loggedOut();
                    caCertificate = null;
                    certificate = null;
                    log.info("{} connected to the My Number Card in reader {}", info.label(), t.getName());
                    return;
                }
            } catch (CardException e) {
                log.debug("Reader {}: {}", t.getName(), e.toString());
            }
        }
        String where = config.reader() == null ? "any reader" : "reader '" + config.reader() + "'";
        throw new TokenNotPresentException(anyCard ? "the card in " + where + " is not a My Number Card"
                : "no card in " + where);
    }

    private void drop() {
        if (link != null) {
            link.disconnect(false);
            link = null;
        }
        loggedOut();
        certificate = null;
        caCertificate = null;
    }

    private void loggedOut() {
        loggedIn = false;
        if (type.certificateNeedsPin()) {
            certificate = null;
        }
    }

    private void logoutOnCard() {
        if (link != null && loggedIn) {
            CardLink l = link;
            try {
                int sw = l.inTransaction(l::reselectApplication);
                if (sw != StatusWords.OK) {
                    log.warn("Logout: SELECT of the JPKI application answered {}; resetting the card",
                            StatusWords.hex(sw));
                    l.disconnect(true);
                    link = null;
                }
            } catch (CardException | TokenException e) {
                log.debug("Logout: the card went away, and with it its verified PIN ({})", e.getMessage());
                drop();
            }
        }
        loggedOut();
    }

    private X509Certificate readCaCertificate(CardLink l) throws CardException, TokenException {
        if (caCertificate == null) {
            int fid = l.profile().files(type).caCertificate();
            caCertificate = parse(l.readCertificate(fid), fid);
        }
        return caCertificate;
    }

    private X509Certificate readCertificate(CardLink l) throws CardException, TokenException {
        int fid = l.profile().files(type).certificate();
        return parse(l.readCertificate(fid), fid);
    }

    private PinStatus readPinStatus(CardLink l) throws CardException, TokenException {
        int sw = l.pinStatus(l.profile().files(type).pin());
        if (StatusWords.isTriesLeft(sw)) {
            return PinStatus.of(PinRole.USER, sw & 0x0F, type.maxTries());
        }
        if (sw == StatusWords.AUTHENTICATION_BLOCKED) {
            return PinStatus.of(PinRole.USER, 0, type.maxTries());
        }
        throw StatusWords.error(sw, "Reading the PIN status");
    }

    /** Reads the PIN status (which selects the PIN EF) and refuses a locked PIN before anything is sent. */
    private PinStatus requireNotLocked(CardLink l) throws CardException, TokenException {
        PinStatus status = readPinStatus(l);
        if (status.locked()) {
            loggedOut();
            log.warn("The {} PIN of the card in reader {} is locked; it is not tried", type.displayName(),
                    l.readerName());
            throw new PinLockedException(PinRole.USER, StatusWords.HOW_TO_UNLOCK);
        }
        return status;
    }

    private byte[] askPin(PinCallback callback, String purpose, int retriesLeft) throws TokenException {
        char[] pin = callback.providePin(new PinRequest(PinRole.USER, purpose, info.label(), retriesLeft,
                PinFormat.rule(type)));
        if (pin == null) {
            throw new PinEntryCancelledException(PinRole.USER);
        }
        return PinFormat.toCardBytes(type, pin);
    }

    private void afterVerify(int sw, String operation) throws TokenException {
        if (sw == StatusWords.OK) {
            loggedIn = true;
            return;
        }
        loggedOut();
        if (StatusWords.isTriesLeft(sw)) {
            log.warn("Wrong {} PIN; {} tries left", type.displayName(), sw & 0x0F);
        }
        throw StatusWords.error(sw, operation);
    }

    private void ensureOpen() throws TokenClosedException {
        if (closed) {
            throw new TokenClosedException(info.label());
        }
    }

    private static void requireUserRole(PinRole role, String operation) throws OperationNotSupportedException {
        if (role != PinRole.USER) {
            throw new OperationNotSupportedException(operation + " for the " + role.displayName(),
                    "a My Number Card has only the user's PIN for each certificate.");
        }
    }

    private static X509Certificate parse(byte[] der, int fid) throws TokenDeviceException {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der));
        } catch (CertificateException e) {
            throw new TokenDeviceException("EF " + CardLink.fileName(fid) + " holds no readable X.509 certificate",
                    "EF " + CardLink.fileName(fid), e);
        }
    }

    private static void wipe(byte[] b) {
        if (b != null) {
            Arrays.fill(b, (byte) 0);
        }
    }
}
