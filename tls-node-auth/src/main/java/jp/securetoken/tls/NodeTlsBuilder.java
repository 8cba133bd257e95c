package jp.securetoken.tls;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSslServerSessionContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import java.security.GeneralSecurityException;
import java.security.Provider;
import java.security.Security;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;
import jp.securetoken.api.Credential;
import jp.securetoken.api.CredentialSource;
import jp.securetoken.api.TokenException;
import jp.securetoken.api.jca.SecureTokenProvider;
import jp.securetoken.api.jca.TokenKeyManager;
import jp.securetoken.tls.trust.NodeTrustManager;
import jp.securetoken.tls.trust.TrustPolicy;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.jsse.provider.BouncyCastleJsseProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Configures a {@link NodeTlsContext}; obtained from {@link NodeTls#server} or {@link NodeTls#client}.
 * A trust policy is required; everything else has a safe default (ATNA profile, JDK stack, client
 * authentication required on servers, resumption with a bounded cache).
 */
public final class NodeTlsBuilder {
    private static final Logger LOG = LoggerFactory.getLogger(NodeTlsBuilder.class);
    /** The JDK's own switch against client-initiated renegotiation, read once per JVM at its first TLS server handshake. */
    static final String JDK_REJECT_RENEGOTIATION = "jdk.tls.rejectClientInitiatedRenegotiation";

    private final boolean server;
    private final CredentialSource credential;
    private TrustPolicy trustPolicy;
    private TlsProfile profile = TlsProfile.ATNA_BCP195;
    private TlsStack stack = TlsStack.JDK;
    private ExecutorService keyOperationExecutor;
    private boolean requireClientAuth = true;
    private int sessionCacheSize = 1024;
    private Duration sessionTimeout = Duration.ofHours(1);
    private NodeAuthenticationListener listener = NodeAuthenticationListener.none();
    private Duration handshakeTimeout = Duration.ofSeconds(30);
    private SessionTicketKeys ticketKeys;
    private ConnectionLimits connectionLimits = ConnectionLimits.DEFAULTS;

    NodeTlsBuilder(boolean server, CredentialSource credential) {
        this.server = server;
        this.credential = credential;
    }

    /** Which peers to accept. Required. */
    public NodeTlsBuilder trustPolicy(TrustPolicy policy) {
        this.trustPolicy = policy;
        return this;
    }

    public NodeTlsBuilder profile(TlsProfile profile) {
        this.profile = profile;
        return this;
    }

    public NodeTlsBuilder stack(TlsStack stack) {
        this.stack = stack;
        return this;
    }

    /**
     * Where handshake work that may wait for the token runs (SSLEngine delegated tasks). By default
     * the context owns a small pool and shuts it down on close; an executor given here is the caller's.
     */
    public NodeTlsBuilder keyOperationExecutor(ExecutorService executor) {
        this.keyOperationExecutor = executor;
        return this;
    }

    /** Servers only: whether clients must present a certificate (default true, as ATNA requires). */
    public NodeTlsBuilder requireClientAuth(boolean require) {
        this.requireClientAuth = require;
        return this;
    }

    /** Bounds of the session cache that lets a reconnecting peer resume without a new token signature. */
    public NodeTlsBuilder sessionCache(int size, Duration timeout) {
        this.sessionCacheSize = size;
        this.sessionTimeout = timeout;
        return this;
    }

    /**
     * Servers on the native stack: session-ticket keys shared by a fleet of gateways, so that a peer
     * resumes at any of them without a token signature. Without them each context makes its own.
     */
    public NodeTlsBuilder sessionTicketKeys(SessionTicketKeys keys) {
        this.ticketKeys = keys;
        return this;
    }

    /**
     * How long a handshake may take before the connection is closed (default 30 s: a handshake may
     * queue behind others at a slow card).
     */
    public NodeTlsBuilder handshakeTimeout(Duration timeout) {
        this.handshakeTimeout = timeout;
        return this;
    }

    /**
     * Servers only: how many connections strangers may make the server handle before their
     * certificate is seen (default {@link ConnectionLimits#DEFAULTS}). A connection over a limit is
     * closed before TLS and counted in {@link NodeTlsContext#limitCounters()}.
     */
    public NodeTlsBuilder connectionLimits(ConnectionLimits limits) {
        this.connectionLimits = java.util.Objects.requireNonNull(limits, "limits");
        return this;
    }

    /** Told of every handshake outcome (audit). */
    public NodeTlsBuilder listener(NodeAuthenticationListener listener) {
        this.listener = listener;
        return this;
    }

    /**
     * Builds the context. Reads the current credential once to learn which signature schemes the
     * token key offers, and from that which protocol versions it can serve.
     */
    public NodeTlsContext build() throws TokenException, SSLException {
        ProtocolPlan plan = plan();
        if (server) {
            refuseClientRenegotiationOnJdkSockets();
        }
        TlsStack effective = effectiveStack(plan);
        TokenKeyManager tokenKeys = new TokenKeyManager(credential);
        X509ExtendedKeyManager keyManager = effective == TlsStack.OPENSSL ? new NativeTokenKeyManager(tokenKeys)
                : tokenKeys;
        NodeTrustManager trustManager = trustManager();
        SigningFailures signingFailures = new SigningFailures();
        SslContextBuilder b = server ? SslContextBuilder.forServer(keyManager)
                : SslContextBuilder.forClient().keyManager(keyManager).endpointIdentificationAlgorithm(null);
        b.sslProvider(SslProvider.JDK)
                .trustManager(trustManager)
                .protocols(plan.protocols())
                .ciphers(plan.cipherSuites(), SupportedCipherSuiteFilter.INSTANCE)
                .sessionCacheSize(sessionCacheSize)
                .sessionTimeout(sessionTimeout.toSeconds());
        if (server) {
            b.clientAuth(requireClientAuth ? ClientAuth.REQUIRE : ClientAuth.OPTIONAL);
        }
        if (effective == TlsStack.BCJSSE) {
            b.sslContextProvider(bcjsse());
        }
        if (effective == TlsStack.OPENSSL) {
            NativeTls.configure(b, (NativeTokenKeyManager) keyManager, signingFailures);
        }
        SslContext context = b.build();
        TicketKeyRotation rotation = null;
        if (ticketKeys != null && server && context.sessionContext() instanceof OpenSslServerSessionContext sessions) {
            rotation = new TicketKeyRotation(sessions, ticketKeys);
        } else if (ticketKeys != null) {
            LOG.warn("Session-ticket keys from {} are not used: only a server on the native stack shares them"
                    + " (this context: {} on {})", ticketKeys.location(), server ? "server" : "client", effective);
        }
        boolean ownsExecutor = keyOperationExecutor == null;
        ExecutorService executor = ownsExecutor ? defaultExecutor() : keyOperationExecutor;
        return new NodeTlsContext(context, server, plan, effective, executor, ownsExecutor, listener, handshakeTimeout,
                rotation, java.util.Optional.ofNullable(stackFallback(plan)), trustManager, signingFailures,
                server ? new ConnectionLimiter(connectionLimits) : null);
    }

    /**
     * The stack asked for, unless it is the native one and cannot serve: the library does not load
     * here, or the token signs RSA only with PKCS#1 v1.5 (BoringSSL as reached through tcnative
     * cannot be told its signing preferences, and would pick RSA-PSS in TLS 1.2).
     */
    private TlsStack effectiveStack(ProtocolPlan plan) {
        String why = stackFallback(plan);
        if (why == null) {
            return stack;
        }
        LOG.warn("Using the JDK TLS stack: {}", why);
        return TlsStack.JDK;
    }

    /** Why the native stack asked for cannot serve, or null when the stack asked for serves. */
    private String stackFallback(ProtocolPlan plan) {
        if (stack != TlsStack.OPENSSL) {
            return null;
        }
        if (!NativeTls.available()) {
            return NativeTls.unavailableReason();
        }
        if (!plan.signatureSchemes().isEmpty()) {
            return "the token key signs RSA only with PKCS#1 v1.5, and the native stack cannot be kept from"
                    + " choosing RSA-PSS";
        }
        return null;
    }

    /**
     * Builds the same configuration for plain JSSE users (sockets, {@code HttpClient}) instead of
     * Netty. Key operations then run on the caller's thread.
     *
     * <p>Renegotiation: the pipeline guard of {@link NodeTlsContext#addTo} cannot sit in front of a
     * plain socket. On BCJSSE renegotiation is refused by the stack itself. For the JDK's sockets a
     * server context sets the JDK's switch {@value #JDK_REJECT_RENEGOTIATION}{@code =true} unless the
     * application set it (a value other than {@code true} is logged as a warning); the JDK reads it once,
     * at the first TLS server handshake of the JVM, so it holds when the first server context (Netty or
     * plain) is built before any other JDK TLS server has handshaken, and always when the JVM is
     * started with {@code -Djdk.tls.rejectClientInitiatedRenegotiation=true}. A client socket from
     * {@link JsseNodeContext#connect} refuses a renegotiation its server asks for.
     */
    public JsseNodeContext buildJsse() throws TokenException, GeneralSecurityException {
        ProtocolPlan plan = plan();
        if (server && stack != TlsStack.BCJSSE) {
            refuseClientRenegotiationOnJdkSockets();
        }
        SSLContext context = stack == TlsStack.BCJSSE ? SSLContext.getInstance("TLS", bcjsse())
                : SSLContext.getInstance("TLS");
        context.init(new KeyManager[] {new TokenKeyManager(credential)}, new TrustManager[] {trustManager()}, null);
        List<String> supported = List.of(context.getSupportedSSLParameters().getCipherSuites());
        SSLParameters parameters = new SSLParameters(
                plan.cipherSuites().stream().filter(supported::contains).toArray(String[]::new),
                plan.protocols().toArray(new String[0]));
        if (server) {
            parameters.setNeedClientAuth(requireClientAuth);
        }
        return new JsseNodeContext(context, parameters);
    }

    /**
     * Reads the current credential once to learn which signature schemes the token key offers,
     * and from that which protocol versions it can serve.
     */
    private ProtocolPlan plan() throws TokenException {
        if (trustPolicy == null) {
            throw new IllegalStateException("a trust policy is required: say which CAs and peers to accept");
        }
        Credential current = credential.current();
        ProtocolPlan plan = ProtocolPlan.choose(profile, current.key().signatureSchemes());
        if (!plan.tls13()) {
            LOG.info("Credential {}: {}", current.alias(), plan.restriction());
        }
        SecureTokenProvider.install();
        return plan;
    }

    /**
     * The trust manager every stack of this builder uses: the policy, with the extended key usage
     * extension required when the profile demands it (MHLW high security).
     */
    private NodeTrustManager trustManager() {
        TrustPolicy effective = profile.requiresExtendedKeyUsage() && !trustPolicy.requireExtendedKeyUsage()
                ? trustPolicy.toBuilder().requireExtendedKeyUsage(true).build() : trustPolicy;
        return new NodeTrustManager(effective,
                server ? NodeTrustManager.PeerRole.CLIENT : NodeTrustManager.PeerRole.SERVER);
    }

    /**
     * Turns on the JDK's refusal of client-initiated renegotiation for the whole JVM, unless the
     * application decided otherwise: Netty pipelines have {@link RenegotiationGuard}, plain JDK sockets
     * have only this switch. Each renegotiation would cost a token signature.
     */
    private static synchronized void refuseClientRenegotiationOnJdkSockets() {
        String set = System.getProperty(JDK_REJECT_RENEGOTIATION);
        if (set == null) {
            System.setProperty(JDK_REJECT_RENEGOTIATION, "true");
            LOG.info("Set {}=true: JDK TLS server sockets of this JVM refuse client-initiated renegotiation",
                    JDK_REJECT_RENEGOTIATION);
        } else if (!"true".equalsIgnoreCase(set.trim())) {
            LOG.warn("{}={}: plain-JSSE server sockets on the JDK stack accept client-initiated TLS 1.2 "
                    + "renegotiation, each costing a token signature (Netty pipelines refuse it regardless)",
                    JDK_REJECT_RENEGOTIATION, set);
        }
    }

    private static synchronized Provider bcjsse() {
        if (Security.getProvider(BouncyCastleProvider.PROVIDER_NAME) == null) {
            Security.addProvider(new BouncyCastleProvider());
        }
        return new BouncyCastleJsseProvider();
    }

    private static ExecutorService defaultExecutor() {
        AtomicInteger n = new AtomicInteger();
        int threads = Math.max(4, Runtime.getRuntime().availableProcessors() * 2);
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "securetoken-tls-keyop-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }
}
