package jp.securetoken.testsupport.csc;

import java.net.InetSocketAddress;
import java.net.URI;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.concurrent.GlobalEventExecutor;
import jp.securetoken.api.Credential;
import jp.securetoken.testpki.HeldCertificate;
import jp.securetoken.testpki.TestPki;

/**
 * A Cloud Signature Consortium API v2 signing service for tests, on loopback over HTTPS (Netty),
 * with its keys in a real token: OAuth 2.0 (authorization code with PKCE, client credentials,
 * refresh, revoke), credentials/list, info, authorize, sendOTP and signatures/signHash. It enforces
 * what a careful service enforces — bearer tokens that expire, credentials visible to their owner
 * only, a PIN and/or an online one-time password, SADs bound to user, credential and exact hashes,
 * single use and short-lived — and lets a test break it: delete or disable a credential, log a user
 * out everywhere, limit the rate, stall, answer malformed JSON, advance its clock, stop.
 *
 * <pre>{@code
 * try (CscTestService csc = CscTestService.start(pki)) {
 *     csc.addClient("node-7", "s3cret", "alice");
 *     csc.addCredential("alice", "alice-sign", token.credential("sign"), CscTestService.Activation.pin("1234"));
 *     URI service = csc.url();                 // https://localhost:PORT/csc/v2/
 * }
 * }</pre>
 */
public final class CscTestService implements AutoCloseable {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    final ExecutorService workers = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "csc-test-service");
        t.setDaemon(true);
        return t;
    });
    private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final HeldCertificate serverCertificate;
    private final Channel server;
    final State state = new State();

    /** What credentials/authorize asks for a credential. */
    public record Activation(String pin, boolean otp) {
        /** No PIN, no OTP: the OAuth session alone activates (CSC "implicit"). */
        public static Activation implicit() {
            return new Activation(null, false);
        }

        public static Activation pin(String pin) {
            return new Activation(Objects.requireNonNull(pin), false);
        }

        /** A PIN and a one-time password the service sends (credentials/sendOTP). */
        public static Activation pinAndOtp(String pin) {
            return new Activation(Objects.requireNonNull(pin), true);
        }
    }

    /** Everything the service keeps; the handler reads and writes it. */
    static final class State {
        final Map<String, String[]> clients = new ConcurrentHashMap<>();          // id -> {secret, user}
        final Map<String, Owned> credentials = new ConcurrentHashMap<>();
        final Map<String, Session> accessTokens = new ConcurrentHashMap<>();
        final Map<String, Session> refreshTokens = new ConcurrentHashMap<>();
        final Map<String, Code> codes = new ConcurrentHashMap<>();
        final Map<String, Sad> sads = new ConcurrentHashMap<>();
        final Map<String, String> otps = new ConcurrentHashMap<>();                // user|credential -> otp
        final AtomicReference<String> signedInUser = new AtomicReference<>();
        final AtomicReference<Duration> throttle = new AtomicReference<>();
        final AtomicInteger signatures = new AtomicInteger();
        volatile Duration accessTokenLifetime = Duration.ofMinutes(10);
        volatile Duration sadLifetime = Duration.ofMinutes(5);
        volatile Duration offset = Duration.ZERO;
        volatile boolean malformed;
        volatile boolean stalled;
        final Clock base = Clock.systemUTC();

        Instant now() {
            return base.instant().plus(offset);
        }
    }

    record Owned(String user, Credential credential, Activation activation, boolean[] enabled) {
    }

    record Session(String user, String clientId, Instant expires) {
    }

    record Code(String user, String clientId, String redirectUri, String challenge, Instant expires) {
    }

    record Sad(String user, String credentialId, List<String> hashes, String hashAlgorithm, Instant expires) {
    }

    private CscTestService(TestPki pki) throws Exception {
        this.serverCertificate = pki.issue("localhost").serverAuth().dnsName("localhost").build();
        SslContext tls = SslContextBuilder.forServer(serverCertificate.keyPair().getPrivate(),
                serverCertificate.chain().toArray(X509Certificate[]::new)).protocols("TLSv1.3", "TLSv1.2").build();
        CscTestService self = this;
        this.server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel c) {
                        channels.add(c);
                        c.pipeline().addLast(tls.newHandler(c.alloc()), new HttpServerCodec(),
                                new HttpObjectAggregator(1 << 20));
                        c.pipeline().addLast(new CscApi(self));
                    }
                }).bind("127.0.0.1", 0).sync().channel();
        channels.add(server);
    }

    /** Starts the service on a free loopback port; its TLS certificate (for {@code localhost}) is issued by {@code pki}. */
    public static CscTestService start(TestPki pki) throws Exception {
        return new CscTestService(pki);
    }

    /** The API's base URL, {@code https://localhost:PORT/csc/v2/}. */
    public URI url() {
        return URI.create("https://localhost:" + port() + "/csc/v2/");
    }

    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** The service's TLS certificate chain (entity first). */
    public List<X509Certificate> certificateChain() {
        return serverCertificate.chain();
    }

    /** A confidential client that logs in with client credentials, acting for {@code user}. */
    public CscTestService addClient(String clientId, String secret, String user) {
        state.clients.put(clientId, new String[] {secret, user});
        return this;
    }

    /** A public client (authorization code + PKCE) whose code comes back to {@code redirectUri}. */
    public CscTestService addPublicClient(String clientId, URI redirectUri) {
        state.clients.put(clientId, new String[] {null, null, redirectUri.toString()});
        return this;
    }

    /** The user signed in at the identity provider: the authorization page approves requests for them. */
    public CscTestService signIn(String user) {
        state.signedInUser.set(user);
        return this;
    }

    /** Offers a token's credential as {@code credentialId} to {@code user}. The token must stay logged in. */
    public CscTestService addCredential(String user, String credentialId, Credential credential, Activation activation) {
        state.credentials.put(credentialId, new Owned(user, credential, activation, new boolean[] {true}));
        return this;
    }

    /** Deletes a credential, as the management tool can at any time. */
    public void deleteCredential(String credentialId) {
        state.credentials.remove(credentialId);
    }

    /** Disables a credential's key. */
    public void disableCredential(String credentialId) {
        state.credentials.get(credentialId).enabled()[0] = false;
    }

    /** Revokes every access and refresh token of {@code user} (a logout in the management tool). */
    public void logOutEverywhere(String user) {
        state.accessTokens.values().removeIf(s -> s.user().equals(user));
        state.refreshTokens.values().removeIf(s -> s.user().equals(user));
    }

    /** Access tokens issued from now on live this long. */
    public void accessTokenLifetime(Duration lifetime) {
        state.accessTokenLifetime = lifetime;
    }

    /** SADs issued from now on live this long. */
    public void sadLifetime(Duration lifetime) {
        state.sadLifetime = lifetime;
    }

    /** Moves the service's clock forward (expiry of tokens, SADs and codes). */
    public void advanceClock(Duration by) {
        state.offset = state.offset.plus(by);
    }

    /** Answers every API call with HTTP 429 and this Retry-After, or serves again when {@code null}. */
    public void throttle(Duration retryAfter) {
        state.throttle.set(retryAfter);
    }

    /** Answers API calls with truncated JSON. */
    public void answerMalformedJson(boolean malformed) {
        state.malformed = malformed;
    }

    /** Holds API calls without answering. */
    public void stall(boolean stalled) {
        state.stalled = stalled;
    }

    /** The last one-time password sent for {@code credentialId} to its owner (the user's phone, as it were). */
    public String lastOneTimePassword(String credentialId) {
        Owned o = state.credentials.get(credentialId);
        return o == null ? null : state.otps.get(o.user() + "|" + credentialId);
    }

    /** Signatures made so far. */
    public int signatureCount() {
        return state.signatures.get();
    }

    /** Live access tokens. */
    public int activeSessions() {
        Instant now = state.now();
        return (int) state.accessTokens.values().stream().filter(s -> s.expires().isAfter(now)).count();
    }

    static String random() {
        byte[] b = new byte[24];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** Stops listening and closes every connection: the service is down. */
    @Override
    public void close() {
        channels.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).awaitUninterruptibly();
        workers.shutdownNow();
    }
}
