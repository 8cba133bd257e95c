package jp.securetoken.tls.audit;

import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import javax.security.auth.x500.X500Principal;
import jp.securetoken.api.CapabilityNotSupportedException;
import jp.securetoken.api.Credential;
import jp.securetoken.api.CredentialLifecycle;
import jp.securetoken.api.CredentialUsage;
import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.PinCallback;
import jp.securetoken.api.PinIncorrectException;
import jp.securetoken.api.PinLockedException;
import jp.securetoken.api.PinRole;
import jp.securetoken.api.PinStatus;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.SignatureScheme;
import jp.securetoken.api.TokenCapabilities;
import jp.securetoken.api.TokenException;
import jp.securetoken.api.TokenInfo;
import jp.securetoken.api.TokenKey;
import jp.securetoken.api.UserDataStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link SecureToken} whose security-relevant operations leave an audit trail (the access logs
 * JAHIS 6.2 and the MHLW guideline ask for), as DICOM audit messages in an {@link AuditSink}:
 * <ul>
 * <li>every login, successful or not — 110114 User Authentication / 110122 Login, outcome 4 with
 *     the tries left for a wrong PIN, 8 for a locked PIN — and logout (110123); a device's key-based
 *     login ({@link #login(jp.securetoken.api.DeviceKey)}, JAHIS 7.2.2 b) is forwarded to the token and
 *     recorded the same way (a rejected key outcome 4);</li>
 * <li>enrolling a device key ({@link #enrolDeviceKey}) — 110113 / 110137 User Security Attributes
 *     Changed;</li>
 * <li>a PIN that locks, a PIN change and an unlock — 110113 Security Alert / 110137 User Security
 *     Attributes Changed (a lock is outcome 8);</li>
 * <li>credential writes: key generation, credential write and delete — 110113 Security Alert /
 *     110129 Security Configuration, naming the certificate by issuer and serial number.</li>
 * </ul>
 * The token is the participant object (its address without query attributes, so never a PIN).
 * Messages never carry a PIN or a card holder's personal data. Everything else passes through.
 *
 * <pre>{@code
 * SecureToken token = AuditedToken.wrap(tokens.open(uri), sink, Clock.systemUTC());
 * }</pre>
 */
public final class AuditedToken implements SecureToken {
    private static final Logger LOG = LoggerFactory.getLogger(AuditedToken.class);

    private final SecureToken token;
    private final AuditSink sink;
    private final Clock clock;
    private final String address;

    private AuditedToken(SecureToken token, AuditSink sink, Clock clock) {
        this.token = token;
        this.sink = sink;
        this.clock = clock;
        this.address = address(token.info());
    }

    /** {@code token}, recording its logins, PIN changes and credential writes in {@code sink}. */
    public static SecureToken wrap(SecureToken token, AuditSink sink, Clock clock) {
        return new AuditedToken(token, sink, clock);
    }

    /** How audit events name a token: its address without query attributes (never a PIN). */
    public static String address(TokenInfo info) {
        String uri = info.uri() == null ? "token:" + info.label() : info.uri().toString();
        int query = uri.indexOf('?');
        return query < 0 ? uri : uri.substring(0, query);
    }

    private void record(AuditEvent.Kind kind, AuditEvent.Outcome outcome, String detail) {
        sink.record(AuditEvent.aboutToken(kind, outcome, clock.instant(), address, detail));
    }

    @Override
    public TokenInfo info() {
        return token.info();
    }

    @Override
    public TokenCapabilities capabilities() {
        return token.capabilities();
    }

    @Override
    public Set<SignatureScheme> signatureSchemes() {
        return token.signatureSchemes();
    }

    @Override
    public PinStatus pinStatus(PinRole role) throws TokenException {
        return token.pinStatus(role);
    }

    @Override
    public void login(PinCallback pin) throws TokenException {
        try {
            token.login(pin);
            record(AuditEvent.Kind.LOGIN, AuditEvent.Outcome.SUCCESS, "user PIN accepted");
        } catch (TokenException e) {
            pinFailure(AuditEvent.Kind.LOGIN, PinRole.USER, "login", e);
            throw e;
        }
    }

    /** A device's key-based login (JAHIS 7.2.2 b), recorded like a PIN login. */
    @Override
    public void login(jp.securetoken.api.DeviceKey device) throws TokenException {
        try {
            token.login(device);
            record(AuditEvent.Kind.LOGIN, AuditEvent.Outcome.SUCCESS, "device key accepted");
        } catch (jp.securetoken.api.DeviceKeyRejectedException e) {
            record(AuditEvent.Kind.LOGIN, AuditEvent.Outcome.MINOR_FAILURE, "login refused: device key rejected");
            throw e;
        } catch (TokenException e) {
            record(AuditEvent.Kind.LOGIN, AuditEvent.Outcome.MINOR_FAILURE, "device key login failed: "
                    + e.getClass().getSimpleName());
            throw e;
        }
    }

    /** Enrolling a device key changes how the token authenticates its user: recorded as such. */
    @Override
    public void enrolDeviceKey(jp.securetoken.api.DeviceKey device) throws TokenException {
        token.enrolDeviceKey(device);
        record(AuditEvent.Kind.USER_SECURITY_ATTRIBUTES_CHANGED, AuditEvent.Outcome.SUCCESS, "device key enrolled");
    }

    @Override
    public void logout() throws TokenException {
        token.logout();
        record(AuditEvent.Kind.LOGOUT, AuditEvent.Outcome.SUCCESS, "logged out");
    }

    @Override
    public boolean isLoggedIn() {
        return token.isLoggedIn();
    }

    @Override
    public void changePin(PinRole role, PinCallback currentPin, PinCallback newPin) throws TokenException {
        try {
            token.changePin(role, currentPin, newPin);
            record(AuditEvent.Kind.USER_SECURITY_ATTRIBUTES_CHANGED, AuditEvent.Outcome.SUCCESS,
                    role.displayName() + " changed");
        } catch (TokenException e) {
            pinFailure(AuditEvent.Kind.USER_SECURITY_ATTRIBUTES_CHANGED, role, role.displayName() + " change", e);
            throw e;
        }
    }

    @Override
    public void unlockUserPin(PinCallback administratorPin, PinCallback newUserPin) throws TokenException {
        try {
            token.unlockUserPin(administratorPin, newUserPin);
            record(AuditEvent.Kind.USER_SECURITY_ATTRIBUTES_CHANGED, AuditEvent.Outcome.SUCCESS,
                    "user PIN unlocked and reset with the administrator PIN");
        } catch (TokenException e) {
            pinFailure(AuditEvent.Kind.USER_SECURITY_ATTRIBUTES_CHANGED, PinRole.ADMINISTRATOR, "user PIN unlock", e);
            throw e;
        }
    }

    /** Records a failed PIN operation, and the lock when this failure locked the PIN. */
    private void pinFailure(AuditEvent.Kind kind, PinRole role, String what, TokenException e) {
        if (e instanceof PinIncorrectException wrong) {
            record(kind, AuditEvent.Outcome.MINOR_FAILURE, what + " refused: " + wrong.role().displayName()
                    + " incorrect, " + (wrong.retriesKnown() ? wrong.retriesLeft() + " tries left" : "tries left unknown"));
            if (lockedNow(wrong)) {
                record(AuditEvent.Kind.USER_SECURITY_ATTRIBUTES_CHANGED, AuditEvent.Outcome.SERIOUS_FAILURE,
                        wrong.role().displayName() + " locked after too many wrong entries");
            }
        } else if (e instanceof PinLockedException locked) {
            record(kind, AuditEvent.Outcome.SERIOUS_FAILURE, what + " refused: " + locked.role().displayName()
                    + " is locked");
        } else {
            record(kind, AuditEvent.Outcome.MINOR_FAILURE, what + " failed (" + role.displayName() + "): "
                    + e.getClass().getSimpleName());
        }
    }

    private boolean lockedNow(PinIncorrectException wrong) {
        if (wrong.retriesKnown()) {
            return wrong.retriesLeft() == 0;
        }
        try {
            return token.pinStatus(wrong.role()).locked();
        } catch (TokenException e) {
            LOG.debug("PIN state unreadable after a wrong PIN: {}", e.getMessage());
            return false;
        }
    }

    @Override
    public List<Credential> credentials() throws TokenException {
        return token.credentials();
    }

    @Override
    public UserDataStore userData() throws CapabilityNotSupportedException {
        return token.userData();
    }

    @Override
    public CredentialLifecycle lifecycle() throws CapabilityNotSupportedException {
        return new AuditedLifecycle(token.lifecycle());
    }

    @Override
    public void close() {
        token.close();
    }

    @Override
    public String toString() {
        return "audited " + token;
    }

    /** Credential writes with an audit record each; {@code enroll} goes through them. */
    private final class AuditedLifecycle implements CredentialLifecycle {
        private final CredentialLifecycle lifecycle;

        AuditedLifecycle(CredentialLifecycle lifecycle) {
            this.lifecycle = lifecycle;
        }

        @Override
        public TokenKey generateKeyPair(String alias, KeyAlgorithm algorithm) throws TokenException {
            try {
                TokenKey key = lifecycle.generateKeyPair(alias, algorithm);
                record(AuditEvent.Kind.SECURITY_CONFIGURATION, AuditEvent.Outcome.SUCCESS,
                        algorithm + " key pair generated for credential '" + alias + "'");
                return key;
            } catch (TokenException e) {
                failed("key generation for credential '" + alias + "'", e);
                throw e;
            }
        }

        @Override
        public byte[] createCertificationRequest(String alias, X500Principal subject) throws TokenException {
            return lifecycle.createCertificationRequest(alias, subject);
        }

        @Override
        public Credential writeCredential(String alias, List<X509Certificate> chain, CredentialUsage usage)
                throws TokenException {
            try {
                Credential written = lifecycle.writeCredential(alias, chain, usage);
                record(AuditEvent.Kind.SECURITY_CONFIGURATION, AuditEvent.Outcome.SUCCESS,
                        "credential '" + alias + "' written: " + name(chain.get(0)));
                return written;
            } catch (TokenException e) {
                failed("credential write of '" + alias + "'", e);
                throw e;
            }
        }

        @Override
        public boolean deleteCredential(String alias) throws TokenException {
            try {
                boolean deleted = lifecycle.deleteCredential(alias);
                if (deleted) {
                    record(AuditEvent.Kind.SECURITY_CONFIGURATION, AuditEvent.Outcome.SUCCESS,
                            "credential '" + alias + "' deleted");
                }
                return deleted;
            } catch (TokenException e) {
                failed("credential delete of '" + alias + "'", e);
                throw e;
            }
        }

        private void failed(String what, TokenException e) {
            record(AuditEvent.Kind.SECURITY_CONFIGURATION, AuditEvent.Outcome.MINOR_FAILURE,
                    what + " failed: " + e.getClass().getSimpleName());
        }

        /** A certificate by issuer and serial number: never the holder's name. */
        private static String name(X509Certificate c) {
            BigInteger serial = c.getSerialNumber();
            return "certificate serial " + serial.toString(16) + " issued by " + c.getIssuerX500Principal().getName();
        }
    }
}
