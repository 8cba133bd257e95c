package jp.securetoken.remote;

import java.net.URI;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
import jp.securetoken.api.PinIncorrectException;
import jp.securetoken.api.PinRequest;
import jp.securetoken.api.PinRole;
import jp.securetoken.api.PinStatus;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.SignatureScheme;
import jp.securetoken.api.TokenCapabilities;
import jp.securetoken.api.TokenClosedException;
import jp.securetoken.api.TokenException;
import jp.securetoken.api.TokenInfo;
import jp.securetoken.api.UserDataStore;

/**
 * A token whose keys live in a remote signing service reached through the CSC API v2. Login is an
 * OAuth 2.0 session; credentials are read from the service each time they are asked for (a key
 * deleted at the service disappears at once); each signature is activated (SAD) for exactly the
 * hashes it signs. Every call runs on the token's queue and is bounded by the configured timeouts.
 */
final class CscToken implements SecureToken {
    private static final Logger LOG = LoggerFactory.getLogger(CscToken.class);
    static final TokenCapabilities CAPABILITIES = TokenCapabilities.of(JahisCapability.CREDENTIAL_STORAGE,
            JahisCapability.ENTITY_AUTHENTICATION, JahisCapability.SIGNATURE_GENERATION);
    static final Set<SignatureScheme> SCHEMES = Collections.unmodifiableSet(EnumSet.of(
            SignatureScheme.RSA_PKCS1_SHA256, SignatureScheme.RSA_PKCS1_SHA384, SignatureScheme.RSA_PKCS1_SHA512,
            SignatureScheme.RSA_PSS_SHA256, SignatureScheme.RSA_PSS_SHA384, SignatureScheme.RSA_PSS_SHA512,
            SignatureScheme.ECDSA_P256_SHA256, SignatureScheme.ECDSA_P384_SHA384, SignatureScheme.ECDSA_P521_SHA512));

    private final CscTokenConfig config;
    private final CscHttp http;
    private final CommandQueue queue;
    private final TokenInfo info;
    private final URI oauthBase;
    private final Clock clock;
    // Read and written on the queue's thread only.
    private OAuthSession session;
    private PinCallback activation;
    private volatile boolean loggedIn;
    private volatile boolean closed;

    private CscToken(CscTokenConfig config, CscHttp http, TokenInfo info, URI oauthBase, Clock clock) {
        this.config = config;
        this.http = http;
        this.info = info;
        this.oauthBase = oauthBase;
        this.clock = clock;
        this.queue = new CommandQueue(info.label());
    }

    /** Asks the service who it is ({@code info}) and where its OAuth server is. */
    static CscToken open(CscTokenConfig config, Clock clock) throws TokenException {
        CscHttp http = new CscHttp(config);
        try {
            Map<String, Object> answer = http.call(config.service().resolve("info"), Map.of(), null);
            String name;
            URI oauth;
            try {
                name = CscJson.text(answer, "name");
                String o = CscJson.optionalText(answer, "oauth2");
                oauth = o == null ? config.service() : URI.create(o.endsWith("/") ? o : o + "/");
            } catch (CscJson.Malformed | IllegalArgumentException e) {
                throw http.malformed(e.getMessage());
            }
            if (!"https".equalsIgnoreCase(oauth.getScheme()) || oauth.getHost() == null) {
                throw new SigningServiceException(http.serviceName(), "insecure_oauth2",
                        "its OAuth server is not an https:// address; no secret is sent there");
            }
            String label = name.length() > 64 ? name.substring(0, 64) : name;
            TokenInfo info = new TokenInfo(config.uri(), label, "Cloud Signature Consortium API v2",
                    "remote signing service", config.credentialId().orElse(""));
            LOG.debug("Opened remote token {} at {}", label, config.service());
            return new CscToken(config, http, info, oauth, clock);
        } catch (TokenException | RuntimeException e) {
            http.close();
            throw e;
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
        return CAPABILITIES;
    }

    @Override
    public Set<SignatureScheme> signatureSchemes() {
        return SCHEMES;
    }

    /** The service does not tell tries left before it checks a PIN. */
    @Override
    public PinStatus pinStatus(PinRole role) throws TokenException {
        ensureOpen();
        return PinStatus.retriesUnknown(role);
    }

    /**
     * Logs in to the service with the configured OAuth grant. The callback is kept until logout to ask
     * for the credential PIN or one-time password of each signature activation, unless the
     * configuration names another one.
     */
    @Override
    public void login(PinCallback pin) throws TokenException {
        queue.call(() -> {
            ensureOpen();
            OAuthSession s = new OAuthSession(http, oauthBase, config.login(), clock);
            s.login();
            session = s;
            activation = config.activation().orElse(pin);
            loggedIn = true;
            return null;
        });
    }

    @Override
    public void logout() throws TokenException {
        queue.call(() -> {
            endSession();
            return null;
        });
    }

    private void endSession() {
        if (session != null) {
            session.logout();
        }
        session = null;
        activation = null;
        loggedIn = false;
    }

    @Override
    public boolean isLoggedIn() {
        return loggedIn;
    }

    @Override
    public void changePin(PinRole role, PinCallback currentPin, PinCallback newPin) throws TokenException {
        throw new OperationNotSupportedException("Changing the PIN of a remote credential",
                "the signing service manages it; use its management tool");
    }

    @Override
    public void unlockUserPin(PinCallback administratorPin, PinCallback newUserPin) throws TokenException {
        throw new OperationNotSupportedException("Unlocking the PIN of a remote credential",
                "the signing service manages it; use its management tool");
    }

    /** credentials/list (unless one credential is configured) and credentials/info of each, read now. */
    @Override
    public List<Credential> credentials() throws TokenException {
        return queue.call(() -> {
            List<String> ids;
            if (config.credentialId().isPresent()) {
                ids = List.of(config.credentialId().get());
            } else {
                Map<String, Object> list = api("credentials/list", Map.of("maxResults", 100), null);
                ids = parse(() -> CscJson.texts(list, "credentialIDs"));
            }
            List<Credential> out = new ArrayList<>();
            for (String id : ids) {
                RemoteCredential rc = describe(id);
                out.add(new Credential(id, rc.chain(), rc.usage(), new CscTokenKey(this, rc)));
            }
            return out;
        });
    }

    RemoteCredential describe(String id) throws TokenException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("credentialID", id);
        body.put("certificates", "chain");
        body.put("certInfo", false);
        body.put("authInfo", true);
        Map<String, Object> answer = api("credentials/info", body, id);
        return parse(() -> RemoteCredential.fromInfo(id, answer));
    }

    /**
     * Activates and makes the signatures over {@code digests} (one SAD bound to exactly these hashes),
     * on the queue thread.
     */
    List<byte[]> signHashes(RemoteCredential credential, SignatureScheme scheme, List<byte[]> digests)
            throws TokenException {
        ensureOpen();
        if (!loggedIn) {
            throw new LoginRequiredException("A remote signature");
        }
        if (!credential.enabled()) {
            throw new CredentialUnavailableException(credential.id(), "its key is disabled");
        }
        List<String> hashes = new ArrayList<>();
        for (byte[] d : digests) {
            hashes.add(Base64.getEncoder().encodeToString(d));
        }
        return signWithSad(credential, scheme, hashes, authorize(credential, scheme, hashes));
    }

    /** signatures/signHash: the signatures over these Base64 hashes, with a SAD issued for exactly them. */
    List<byte[]> signWithSad(RemoteCredential credential, SignatureScheme scheme, List<String> hashes, String sad)
            throws TokenException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("credentialID", credential.id());
        body.put("SAD", sad);
        body.put("hashes", hashes);
        body.put("hashAlgorithmOID", scheme.digestOid());
        body.put("signAlgo", scheme.signatureAlgorithmOid());
        if (scheme.padding() == SignatureScheme.Padding.PSS) {
            body.put("signAlgoParams", pssParameters(scheme));
        }
        Map<String, Object> answer = api("signatures/signHash", body, credential.id());
        List<String> signatures = parse(() -> CscJson.texts(answer, "signatures"));
        if (signatures.size() != hashes.size()) {
            throw http.malformed("it returned " + signatures.size() + " signatures for " + hashes.size() + " hashes");
        }
        List<byte[]> out = new ArrayList<>();
        for (String s : signatures) {
            out.add(parse(() -> CscJson.base64(s, "signatures")));
        }
        return out;
    }

    /** credentials/authorize: a SAD for these hashes, with the PIN and one-time password the credential asks for. */
    String authorize(RemoteCredential credential, SignatureScheme scheme, List<String> hashes) throws TokenException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("credentialID", credential.id());
        body.put("numSignatures", hashes.size());
        body.put("hashes", hashes);
        body.put("hashAlgorithmOID", scheme.digestOid());
        char[] pin = null;
        char[] otp = null;
        try {
            if (credential.needsPin()) {
                pin = ask(credential, "credential PIN for a remote signature");
                body.put("PIN", new String(pin));
            }
            if (credential.needsOtp()) {
                if (credential.onlineOtp()) {
                    api("credentials/sendOTP", Map.of("credentialID", credential.id()), credential.id());
                }
                otp = ask(credential, "one-time password for a remote signature");
                body.put("OTP", new String(otp));
            }
            Map<String, Object> answer = api("credentials/authorize", body, credential.id());
            return parse(() -> CscJson.text(answer, "SAD"));
        } finally {
            if (pin != null) {
                Arrays.fill(pin, '\0');
            }
            if (otp != null) {
                Arrays.fill(otp, '\0');
            }
            body.clear();
        }
    }

    private char[] ask(RemoteCredential credential, String purpose) throws TokenException {
        PinCallback callback = activation;
        char[] value = callback == null ? null
                : callback.providePin(new PinRequest(PinRole.USER, purpose, credential.id(), PinStatus.UNKNOWN,
                        "as the signing service set it"));
        if (value == null || value.length == 0) {
            throw new PinEntryCancelledException(PinRole.USER);
        }
        return value;
    }

    /** Calls a CSC endpoint with the session's access token, refreshing it once if the service refuses it. */
    private Map<String, Object> api(String endpoint, Map<String, ?> body, String credentialId) throws TokenException {
        if (session == null) {
            throw new LoginRequiredException("The signing service");
        }
        URI uri = config.service().resolve(endpoint);
        try {
            try {
                return http.call(uri, body, session.accessToken());
            } catch (CscHttp.AccessTokenRejected first) {
                session.refresh();
                try {
                    return http.call(uri, body, session.accessToken());
                } catch (CscHttp.AccessTokenRejected again) {
                    throw new AuthorizationExpiredException("login session");
                }
            }
        } catch (AuthorizationExpiredException e) {
            loggedIn = false;
            throw e;
        } catch (CscHttp.ServiceError e) {
            throw typed(e, credentialId);
        }
    }

    private TokenException typed(CscHttp.ServiceError e, String credentialId) {
        if ("invalid_otp".equals(e.code) || e.names("OTP")) {
            return new OneTimePasswordRejectedException(String.valueOf(credentialId));
        }
        if ("invalid_pin".equals(e.code) || e.names("PIN")) {
            return new PinIncorrectException(PinRole.USER);
        }
        if (e.names("SAD")) {
            return new AuthorizationExpiredException("signature activation (SAD)");
        }
        if (credentialId != null && e.names("credentialID")) {
            return new CredentialUnavailableException(credentialId, e.description);
        }
        return new SigningServiceException(http.serviceName(), e.code, e.description);
    }

    private <T> T parse(java.util.function.Supplier<T> reading) throws SigningServiceException {
        try {
            return reading.get();
        } catch (CscJson.Malformed e) {
            throw http.malformed(e.getMessage());
        }
    }

    private static String pssParameters(SignatureScheme scheme) {
        try {
            AlgorithmParameters p = AlgorithmParameters.getInstance("RSASSA-PSS");
            p.init(scheme.jcaParameters().orElseThrow());
            return Base64.getEncoder().encodeToString(p.getEncoded());
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("encoding PSS parameters failed", e);
        }
    }

    @Override
    public UserDataStore userData() throws CapabilityNotSupportedException {
        throw new CapabilityNotSupportedException(JahisCapability.USER_DATA_STORAGE, info.label());
    }

    @Override
    public CredentialLifecycle lifecycle() throws CapabilityNotSupportedException {
        throw new CapabilityNotSupportedException(JahisCapability.CREDENTIAL_WRITE_UPDATE, info.label());
    }

    private void ensureOpen() throws TokenClosedException {
        if (closed) {
            throw new TokenClosedException(info.label());
        }
    }

    /** Logs out (revoking the OAuth tokens at the service) and releases the connection pool. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        try {
            queue.call(() -> {
                endSession();
                closed = true;
                return null;
            });
        } catch (TokenException e) {
            LOG.debug("Closing the remote token: {}", e.getClass().getSimpleName());
        }
        closed = true;
        queue.close();
        http.close();
    }

    @Override
    public String toString() {
        return "CscToken[" + info.uri() + "]";
    }
}
