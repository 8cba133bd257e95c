package jp.securetoken.remote;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import jp.securetoken.api.PinCallback;
import jp.securetoken.api.TokenConfig;
import jp.securetoken.api.TokenUriException;

/**
 * How to open a remote token: the CSC service's base URL, optionally one credential ID, the OAuth
 * login, the TLS trust for the service and the time limits of every call.
 *
 * <p><b>TLS trust.</b> The token does not know the SDK's TLS module; it takes an {@link SSLContext}
 * (build one from any trust policy, e.g. {@code NodeTlsBuilder.buildJsse()} of tls-node-auth) or a
 * list of trust anchors (PKIX path validation). The JDK's HTTP client then also checks that the
 * certificate names the service's host. Without either, the JDK's default trust store is used.
 *
 * <p>As an address: {@code csc://host[:port]/base/path?credential=ID&client-id=ID&client-secret-env=VAR
 * &trust=/abs/anchors.pem&timeout=SECONDS}; the service is then {@code https://host[:port]/base/path}
 * and the login is client credentials with the secret read from environment variable {@code VAR}.
 *
 * <pre>{@code
 * CscTokenConfig config = CscTokenConfig.builder(URI.create("https://sign.example.jp/csc/v2"))
 *         .credential("hpki-sign-01")
 *         .login(OAuthLogin.authorizationCode("my-app", redirect, browser))
 *         .trustAnchors(List.of(serviceCa))
 *         .build();
 * }</pre>
 */
public final class CscTokenConfig implements TokenConfig {
    /** The URI scheme: {@code csc}. */
    public static final String SCHEME = "csc";
    static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
    private static final Set<String> PARAMETERS = Set.of("credential", "client-id", "client-secret-env", "trust",
            "timeout");

    private final URI service;
    private final Optional<String> credentialId;
    private final OAuthLogin login;
    private final SSLContext sslContext;
    private final Duration connectTimeout;
    private final Duration requestTimeout;
    private final Optional<PinCallback> activation;

    private CscTokenConfig(Builder b) {
        this.service = b.service;
        this.credentialId = Optional.ofNullable(b.credentialId);
        this.login = Objects.requireNonNull(b.login, "an OAuth login is required");
        this.sslContext = b.sslContext;
        this.connectTimeout = b.connectTimeout;
        this.requestTimeout = b.requestTimeout;
        this.activation = Optional.ofNullable(b.activation);
    }

    /** Starts the configuration of the CSC service at {@code serviceUrl} ({@code https://.../csc/v2}). */
    public static Builder builder(URI serviceUrl) {
        return new Builder(serviceUrl);
    }

    /** The {@code csc:} address of this token (no secret in it). */
    @Override
    public URI uri() {
        StringBuilder q = new StringBuilder();
        credentialId.ifPresent(id -> q.append("credential=").append(URLEncoder.encode(id, StandardCharsets.UTF_8)));
        try {
            return new URI(SCHEME, service.getRawAuthority(), service.getPath(), q.length() == 0 ? null : q.toString(),
                    null);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The service's base URL, e.g. {@code https://sign.example.jp/csc/v2}. */
    public URI service() {
        return service;
    }

    public Optional<String> credentialId() {
        return credentialId;
    }

    public OAuthLogin login() {
        return login;
    }

    /** The TLS context for the service, or {@code null} for the JDK's default trust. */
    SSLContext sslContext() {
        return sslContext;
    }

    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** The most any one call to the service may take. */
    public Duration requestTimeout() {
        return requestTimeout;
    }

    /** Where PINs and one-time passwords for signature activation come from, if not the login's callback. */
    Optional<PinCallback> activation() {
        return activation;
    }

    @Override
    public String toString() {
        return "CscTokenConfig[" + uri() + ", login=" + login + "]";
    }

    /**
     * Reads a {@code csc://} address.
     *
     * @param environment looks up environment variables (the client secret)
     */
    static CscTokenConfig parse(URI uri, Function<String, String> environment) throws TokenUriException {
        if (uri == null || !SCHEME.equalsIgnoreCase(uri.getScheme()) || uri.getRawAuthority() == null) {
            throw new TokenUriException("'" + uri + "' is not a csc: address; write csc://host[:port]/path"
                    + "?credential=ID&client-id=ID&client-secret-env=VAR");
        }
        Map<String, String> query = query(uri);
        for (String name : query.keySet()) {
            if (!PARAMETERS.contains(name)) {
                throw new TokenUriException("'" + uri + "' has the unknown parameter '" + name + "'; known: "
                        + String.join(", ", PARAMETERS));
            }
        }
        String clientId = query.get("client-id");
        String secretVar = query.get("client-secret-env");
        if (clientId == null || secretVar == null) {
            throw new TokenUriException("'" + uri + "' needs client-id and client-secret-env (the name of the"
                    + " environment variable holding the OAuth client secret)");
        }
        String secret = environment.apply(secretVar);
        if (secret == null || secret.isEmpty()) {
            throw new TokenUriException("the environment variable " + secretVar + " named by '" + uri
                    + "' holds no client secret");
        }
        URI service;
        try {
            service = new URI("https", uri.getRawAuthority(), uri.getPath() == null ? "" : uri.getPath(), null, null);
        } catch (URISyntaxException e) {
            throw new TokenUriException("'" + uri + "' does not name a service: " + e.getReason());
        }
        char[] secretChars = secret.toCharArray();
        Builder b = builder(service).login(OAuthLogin.clientCredentials(clientId, secretChars));
        java.util.Arrays.fill(secretChars, '\0');
        if (query.containsKey("credential")) {
            b.credential(query.get("credential"));
        }
        if (query.containsKey("trust")) {
            b.trustAnchors(readAnchors(uri, query.get("trust")));
        }
        if (query.containsKey("timeout")) {
            try {
                Duration t = Duration.ofSeconds(Long.parseLong(query.get("timeout")));
                b.timeouts(t.compareTo(DEFAULT_CONNECT_TIMEOUT) < 0 ? t : DEFAULT_CONNECT_TIMEOUT, t);
            } catch (IllegalArgumentException e) {
                throw new TokenUriException("'" + uri + "': timeout must be a positive number of seconds");
            }
        }
        return b.build();
    }

    private static Map<String, String> query(URI uri) throws TokenUriException {
        Map<String, String> out = new LinkedHashMap<>();
        String raw = uri.getRawQuery();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new TokenUriException("'" + uri + "' has a malformed parameter '" + pair + "'");
            }
            String name = URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8);
            if (out.put(name, URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8)) != null) {
                throw new TokenUriException("'" + uri + "' gives '" + name + "' twice");
            }
        }
        return out;
    }

    private static List<X509Certificate> readAnchors(URI uri, String file) throws TokenUriException {
        try (InputStream in = Files.newInputStream(Path.of(file))) {
            List<X509Certificate> out = new ArrayList<>();
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                out.add((X509Certificate) c);
            }
            if (out.isEmpty()) {
                throw new TokenUriException("the trust file " + file + " of '" + uri + "' holds no certificate");
            }
            return out;
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new TokenUriException("the trust file " + file + " of '" + uri + "' cannot be read as PEM or DER"
                    + " certificates");
        }
    }

    /** Collects a configuration; {@link #build()} checks it. */
    public static final class Builder {
        private final URI service;
        private String credentialId;
        private OAuthLogin login;
        private SSLContext sslContext;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
        private PinCallback activation;

        private Builder(URI service) {
            Objects.requireNonNull(service, "serviceUrl");
            if (!"https".equalsIgnoreCase(service.getScheme()) || service.getHost() == null) {
                throw new IllegalArgumentException("the signing service must be an https:// URL, got " + service);
            }
            String path = service.getPath() == null ? "" : service.getPath();
            this.service = service.resolve(path.endsWith("/") ? path : path + "/");
        }

        /** Uses only this credential (CSC credential ID); without it, every credential of the account is listed. */
        public Builder credential(String id) {
            this.credentialId = Objects.requireNonNull(id);
            return this;
        }

        public Builder login(OAuthLogin login) {
            this.login = login;
            return this;
        }

        /** The TLS context for the service (its trust managers decide; the host name is checked too). */
        public Builder sslContext(SSLContext context) {
            this.sslContext = Objects.requireNonNull(context);
            return this;
        }

        /** Trusts a service certificate that chains to one of these anchors (PKIX), and nothing else. */
        public Builder trustAnchors(Collection<X509Certificate> anchors) {
            try {
                KeyStore ks = KeyStore.getInstance("PKCS12");
                ks.load(null, null);
                int i = 0;
                for (X509Certificate a : anchors) {
                    ks.setCertificateEntry("anchor-" + i++, a);
                }
                TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
                tmf.init(ks);
                SSLContext ctx = SSLContext.getInstance("TLS");
                ctx.init(null, tmf.getTrustManagers(), null);
                this.sslContext = ctx;
                return this;
            } catch (GeneralSecurityException | IOException e) {
                throw new IllegalStateException("building the TLS trust for the signing service failed", e);
            }
        }

        /** Bounds connecting and every single call (default 10 s and 30 s). */
        public Builder timeouts(Duration connect, Duration request) {
            if (connect.isNegative() || connect.isZero() || request.isNegative() || request.isZero()) {
                throw new IllegalArgumentException("timeouts must be positive");
            }
            this.connectTimeout = connect;
            this.requestTimeout = request;
            return this;
        }

        /**
         * Asks this callback for the credential PIN and one-time passwords each signature activation needs
         * (requests say which in {@code purpose}). Without it, the callback given to {@code login()} is kept
         * for that until logout.
         */
        public Builder activation(PinCallback callback) {
            this.activation = Objects.requireNonNull(callback);
            return this;
        }

        public CscTokenConfig build() {
            return new CscTokenConfig(this);
        }
    }
}
