package jp.securetoken.lifecycle.issuer;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.DefaultEventExecutorGroup;
import io.netty.util.concurrent.EventExecutorGroup;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

import jp.securetoken.api.CredentialSource;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.TokenException;
import jp.securetoken.lifecycle.tls.EstTls;
import jp.securetoken.tls.ConnectionLimitCounters;
import jp.securetoken.tls.ConnectionLimiter;
import jp.securetoken.tls.ConnectionLimits;
import jp.securetoken.tls.trust.NodeTrustManager;
import jp.securetoken.tls.trust.TrustPolicy;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An EST issuing server (RFC 7030) on Netty over TLS, whose CA signing key and TLS key stay in a
 * token: {@code /.well-known/est/cacerts}, {@code /simpleenroll} (authorised by a one-time
 * enrollment code sent as the HTTP Basic password), {@code /simplereenroll} (authorised by the
 * node's current certificate over mutual TLS), {@code /csrattrs}, and {@code /crl}; with
 * {@link Builder#crlPort(int)} the CRL also over plain HTTP, where relying parties fetch it. Every
 * certificate issued names the CRL's address as its CRL distribution point.
 *
 * <pre>{@code
 * EstServer server = EstServer.builder(caToken, IssuerState.open(stateDir))
 *         .caAlias("ca").tlsAlias("tls")
 *         .profile(CertificateProfile.defaults())
 *         .bind("0.0.0.0", 8443)
 *         .start();
 * }</pre>
 *
 * TLS (1.3 and 1.2) runs on BouncyCastle's low-level API ({@link EstTls}) so that each request can be
 * checked against the connection's channel binding: tls-exporter of RFC 9266 on TLS 1.3, tls-unique
 * on TLS 1.2. The server's TLS credential is read from its token at each handshake. A client
 * certificate is asked for but not required; one that is sent must lead to the CA's certificate. The
 * token must be logged in.
 *
 * <p>Every handshake costs the TLS key's token a signature before the client is known, so the server
 * has the same {@link ConnectionLimits} as NodeTls servers (default {@link ConnectionLimits#DEFAULTS}):
 * a connection over a limit is closed before a byte of TLS is read, and counted
 * ({@link #limitCounters()}). A handshake not done within {@link Builder#handshakeTimeout} (default
 * 20 s) closes its connection. TLS 1.2 renegotiation is refused by BouncyCastle's server (it sends a
 * no_renegotiation warning and signs nothing).
 */
public final class EstServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EstServer.class);
    /** EST's path prefix (RFC 7030 §3.2.2). */
    public static final String PREFIX = "/.well-known/est";
    /** How long a client may take over its TLS handshake unless the builder says otherwise. */
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(20);

    private final EventLoopGroup group;
    private final EventExecutorGroup workers;
    private final Channel channel;
    private final Channel crlChannel;
    private final Issuer issuer;
    private final ConnectionLimiter limiter;

    private EstServer(EventLoopGroup group, EventExecutorGroup workers, Channel channel, Channel crlChannel,
            Issuer issuer, ConnectionLimiter limiter) {
        this.limiter = limiter;
        this.group = group;
        this.workers = workers;
        this.channel = channel;
        this.crlChannel = crlChannel;
        this.issuer = issuer;
    }

    public static Builder builder(SecureToken token, IssuerState state) {
        return new Builder(token, state);
    }

    /** The port listened on (useful with port 0). */
    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    /** The server's base address, e.g. {@code https://127.0.0.1:8443}. */
    public URI uri() {
        InetSocketAddress a = (InetSocketAddress) channel.localAddress();
        return URI.create("https://" + a.getAddress().getHostAddress() + ":" + a.getPort());
    }

    /** The connection limits in force. */
    public ConnectionLimits connectionLimits() {
        return limiter.limits();
    }

    /** What the connection limits did so far: connections open, and refusals by each limit. */
    public ConnectionLimitCounters limitCounters() {
        return limiter.counters();
    }

    /**
     * The CRL distribution point written into the certificates this server issues: the profile's,
     * else {@code http://HOST:CRLPORT/crl} with {@link Builder#crlPort(int)}, else
     * {@code https://HOST:PORT/crl}; HOST is the bound address, or for a wildcard bind the first
     * name of the server's TLS certificate. Empty when no address is known (a wildcard bind and a
     * TLS certificate without names): certificates then name none.
     */
    public java.util.Optional<URI> crlDistributionPoint() {
        return issuer.profile().crlDistributionPoint();
    }

    /** Signs and publishes the CRL now if revocations changed (the server also does so every few seconds). */
    public void publishCrl() throws TokenException, IOException {
        issuer.crl();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        if (crlChannel != null) {
            crlChannel.close().syncUninterruptibly();
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        LOG.info("EST server stopped");
    }

    /** Configures and starts an {@link EstServer}. */
    public static final class Builder {
        private final SecureToken token;
        private final IssuerState state;
        private String caAlias = "ca";
        private String tlsAlias = "tls";
        private CertificateProfile profile = CertificateProfile.defaults();
        private boolean requireChannelBinding = true;
        private String host = "127.0.0.1";
        private int port;
        private int crlPort = -1;
        private Clock clock = Clock.systemUTC();
        private CredentialSource tlsCredential;
        private ConnectionLimits connectionLimits = ConnectionLimits.DEFAULTS;
        private Duration handshakeTimeout = DEFAULT_HANDSHAKE_TIMEOUT;

        private Builder(SecureToken token, IssuerState state) {
            this.token = Objects.requireNonNull(token);
            this.state = Objects.requireNonNull(state);
        }

        /** The credential whose key signs certificates and CRLs (default {@code ca}). */
        public Builder caAlias(String alias) {
            this.caAlias = alias;
            return this;
        }

        /** The credential the server authenticates itself with in TLS (default {@code tls}). */
        public Builder tlsAlias(String alias) {
            this.tlsAlias = alias;
            return this;
        }

        /**
         * The credential the server authenticates itself with in TLS when it is not in the CA's token
         * (by default {@code tlsAlias} of that token): the CA token can then be taken away while the
         * server keeps answering, with 503 and Retry-After.
         */
        public Builder tlsCredential(CredentialSource source) {
            this.tlsCredential = Objects.requireNonNull(source);
            return this;
        }

        public Builder profile(CertificateProfile profile) {
            this.profile = profile;
            return this;
        }

        /**
         * Whether every request must carry the connection's channel binding in its challengePassword
         * (default true). Turn it off only for clients that cannot (a CSR made with openssl and sent
         * with curl); a binding that is present is always checked.
         */
        public Builder requireChannelBinding(boolean require) {
            this.requireChannelBinding = require;
            return this;
        }

        public Builder bind(String host, int port) {
            this.host = host;
            this.port = port;
            return this;
        }

        /**
         * How much strangers may make the TLS key's token sign before their certificate or enrollment
         * code is seen (default {@link ConnectionLimits#DEFAULTS}, as for {@code serve}).
         */
        public Builder connectionLimits(ConnectionLimits limits) {
            this.connectionLimits = Objects.requireNonNull(limits);
            return this;
        }

        /** How long a client may take over its TLS handshake before its connection is closed (default 20 s). */
        public Builder handshakeTimeout(Duration timeout) {
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("the handshake timeout must be positive: " + timeout);
            }
            this.handshakeTimeout = timeout;
            return this;
        }

        /**
         * Also serve {@code GET /crl} over plain HTTP on this port of the same address (0: any free
         * port), and name {@code http://HOST:PORT/crl} as the issued certificates' CRL distribution
         * point (unless the profile names one). A CRL is signed, so it needs no TLS; RFC 5280 CRL
         * checkers, the trust policy's {@code CrlCache} among them, fetch http only.
         */
        public Builder crlPort(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("a port is 0..65535");
            }
            this.crlPort = port;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        public EstServer start() throws TokenException, IOException {
            CertificateAuthority ca = new CertificateAuthority(CredentialSource.of(token, caAlias), clock);
            X509Certificate caCert = ca.chain().get(0);
            Issuer issuer = new Issuer(ca, state, profile, requireChannelBinding, clock);
            issuer.crl();
            CredentialSource tlsSource = tlsCredential != null ? tlsCredential : CredentialSource.of(token, tlsAlias);
            tlsSource.current(); // fail now, not at the first connection, when the credential is missing
            NodeTrustManager clientTrust = new NodeTrustManager(TrustPolicy.builder().trustAnchors(caCert).clock(clock)
                    .build(), NodeTrustManager.PeerRole.CLIENT);
            JcaTlsCrypto crypto = EstTls.crypto();
            EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
            EventExecutorGroup workers = new DefaultEventExecutorGroup(2);
            ConnectionLimiter limiter = new ConnectionLimiter(connectionLimits);
            Duration timeout = handshakeTimeout;
            try {
                // no connection is accepted before the CRL address issued certificates name is known
                Channel channel = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                        .option(ChannelOption.AUTO_READ, false)
                        .childHandler(new ChannelInitializer<SocketChannel>() {
                            @Override
                            protected void initChannel(SocketChannel ch) {
                                limiter.addTo(ch); // first, on the event loop: a refused stranger reaches no token
                                // TLS, HTTP and EST share one worker thread per connection: the token signs off the event loop
                                ch.pipeline().addLast(workers, "tls", new TlsServerHandler(
                                        () -> new EstTlsServer(crypto, tlsSource.current(), clientTrust), timeout));
                                ch.pipeline().addLast(workers, "http", new HttpServerCodec());
                                ch.pipeline().addLast(workers, "aggregator", new HttpObjectAggregator(64 * 1024));
                                ch.pipeline().addLast(workers, "est", new EstHandler(issuer));
                            }
                        }).bind(host, port).sync().channel();
                Channel crlChannel = null;
                try {
                    if (crlPort >= 0) {
                        crlChannel = crlListener(group, workers, issuer);
                    }
                    issuer.servesCrlAt(ownCrlAddress(channel, crlChannel));
                } catch (Exception e) {
                    channel.close();
                    throw e;
                }
                channel.config().setAutoRead(true);
                group.scheduleAtFixedRate(() -> workers.execute(() -> {
                    try {
                        issuer.crl();
                    } catch (TokenException | IOException e) {
                        LOG.warn("Publishing the CRL failed: {}", e.getMessage());
                    }
                }), 2, 2, TimeUnit.SECONDS);
                EstServer server = new EstServer(group, workers, channel, crlChannel, issuer, limiter);
                LOG.info("EST server for {} listening on {}; CRL distribution point {}; connection limits: {}",
                        caCert.getSubjectX500Principal().getName(), server.uri(),
                        server.crlDistributionPoint().map(URI::toString).orElse("none"), connectionLimits);
                return server;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                group.shutdownGracefully();
                workers.shutdownGracefully();
                throw new IOException("interrupted while binding " + host + ":" + port, e);
            } catch (Exception e) { // Netty rethrows a bind failure (BindException) without declaring it
                group.shutdownGracefully();
                workers.shutdownGracefully();
                throw new IOException("cannot listen on " + host + ":" + port
                        + (crlPort >= 0 ? " and " + crlPort : "") + ": " + e.getMessage(), e);
            }
        }

        private Channel crlListener(EventLoopGroup group, EventExecutorGroup workers, Issuer issuer)
                throws InterruptedException {
            return new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new HttpServerCodec());
                            ch.pipeline().addLast(new HttpObjectAggregator(1024));
                            ch.pipeline().addLast(workers, "crl", new CrlHandler(issuer));
                        }
                    }).bind(host, crlPort).sync().channel();
        }

        /** Where this server serves its CRL, as nodes and relying parties reach it; null when unknown. */
        private URI ownCrlAddress(Channel est, Channel crl) {
            String name = advertisedHost();
            if (name == null) {
                LOG.warn("Bound to {}, and the TLS certificate names no host: issued certificates name no CRL "
                        + "distribution point (give the profile one)", host);
                return null;
            }
            if (name.contains(":")) {
                name = "[" + name + "]";
            }
            return crl != null
                    ? URI.create("http://" + name + ":" + ((InetSocketAddress) crl.localAddress()).getPort() + "/crl")
                    : URI.create("https://" + name + ":" + ((InetSocketAddress) est.localAddress()).getPort() + "/crl");
        }

        /** The bound address; for a wildcard bind, the first DNS name or IP address of the TLS certificate. */
        private String advertisedHost() {
            try {
                if (!java.net.InetAddress.getByName(host).isAnyLocalAddress()) {
                    return host;
                }
                CredentialSource source = tlsCredential != null ? tlsCredential : CredentialSource.of(token, tlsAlias);
                var names = source.current().certificate().getSubjectAlternativeNames();
                if (names != null) {
                    for (java.util.List<?> n : names) {
                        if (Integer.valueOf(2).equals(n.get(0)) || Integer.valueOf(7).equals(n.get(0))) {
                            return (String) n.get(1);
                        }
                    }
                }
            } catch (IOException | TokenException | java.security.cert.CertificateParsingException e) {
                LOG.warn("The host to name in the CRL distribution point cannot be found: {}", e.getMessage());
            }
            return null;
        }
    }
}
