package jp.securetoken.remote;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import jp.securetoken.api.TokenException;

/**
 * The HTTPS transport of one remote token: JSON requests to the CSC API and form posts to its OAuth
 * server, each bounded in time, TLS 1.2 or 1.3 only, answers turned into maps or typed errors.
 * Requests and answers are never logged with their bodies (they carry PINs, SADs and tokens).
 */
final class CscHttp implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CscHttp.class);
    private static final int MAX_BODY = 4 * 1024 * 1024;

    private final String serviceName;
    private final HttpClient client;
    private final ExecutorService executor;
    private final Duration requestTimeout;

    /** The access token was refused (HTTP 401); the session refreshes it once, then gives up. */
    static final class AccessTokenRejected extends TokenException {
        private static final long serialVersionUID = 1L;

        AccessTokenRejected() {
            super("The signing service refused the access token.");
        }
    }

    CscHttp(CscTokenConfig config) {
        this.serviceName = config.service().getAuthority();
        this.requestTimeout = config.requestTimeout();
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "securetoken-csc-http");
            t.setDaemon(true);
            return t;
        });
        SSLParameters tls = new SSLParameters();
        tls.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(config.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER).version(HttpClient.Version.HTTP_1_1)
                .executor(executor).sslParameters(tls);
        if (config.sslContext() != null) {
            b.sslContext(config.sslContext());
        }
        this.client = b.build();
    }

    String serviceName() {
        return serviceName;
    }

    /** POSTs a JSON body to a CSC endpoint with a bearer token (or none) and returns the JSON answer. */
    Map<String, Object> call(URI endpoint, Map<String, ?> body, String bearer) throws TokenException {
        HttpRequest.Builder r = HttpRequest.newBuilder(endpoint).timeout(requestTimeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(CscJson.write(body)));
        if (bearer != null) {
            r.header("Authorization", "Bearer " + bearer);
        }
        return send(r.build(), endpoint);
    }

    /** POSTs an {@code application/x-www-form-urlencoded} body (the OAuth token and revoke endpoints). */
    Map<String, Object> form(URI endpoint, Map<String, String> fields) throws TokenException {
        StringJoiner body = new StringJoiner("&");
        fields.forEach((k, v) -> body.add(URLEncoder.encode(k, StandardCharsets.UTF_8) + "="
                + URLEncoder.encode(v, StandardCharsets.UTF_8)));
        HttpRequest request = HttpRequest.newBuilder(endpoint).timeout(requestTimeout)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
        return send(request, endpoint);
    }

    private Map<String, Object> send(HttpRequest request, URI endpoint) throws TokenException {
        HttpResponse<String> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (HttpConnectTimeoutException e) {
            throw new SigningServiceUnreachableException(serviceName, "no connection within the connect timeout", e);
        } catch (HttpTimeoutException e) {
            throw new SigningServiceUnreachableException(serviceName, "no answer within "
                    + requestTimeout.toMillis() + " ms", e);
        } catch (SSLException e) {
            throw new SigningServiceUntrustedException(serviceName, e);
        } catch (ConnectException e) {
            throw new SigningServiceUnreachableException(serviceName, "connection refused", e);
        } catch (IOException e) {
            if (hasCause(e, SSLException.class)) {
                throw new SigningServiceUntrustedException(serviceName, e);
            }
            throw new SigningServiceUnreachableException(serviceName, "connection failed: "
                    + e.getClass().getSimpleName(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SigningServiceUnreachableException(serviceName, "interrupted while waiting", e);
        }
        LOG.debug("{} {} -> {}", request.method(), endpoint.getPath(), response.statusCode());
        String body = response.body() == null ? "" : response.body();
        if (body.length() > MAX_BODY) {
            throw malformed("the answer is too large");
        }
        int status = response.statusCode();
        if (status == 429) {
            long seconds = response.headers().firstValue("Retry-After").map(CscHttp::seconds).orElse(0L);
            throw new RateLimitedException(serviceName, Duration.ofSeconds(seconds));
        }
        if (status >= 200 && status < 300) {
            if (body.isBlank()) {
                return Map.of();
            }
            try {
                return CscJson.parse(body);
            } catch (CscJson.Malformed e) {
                throw malformed(e.getMessage());
            }
        }
        if (status == 401) {
            throw new AccessTokenRejected();
        }
        String code = "http_" + status;
        String description = "";
        try {
            Map<String, Object> error = CscJson.parse(body);
            code = CscJson.text(error, "error");
            String d = CscJson.optionalText(error, "error_description");
            description = d == null ? "" : printable(d);
        } catch (CscJson.Malformed e) {
            LOG.debug("error answer without a CSC error body: {}", e.getMessage());
        }
        throw new ServiceError(status, code, description);
    }

    /** An error the service stated ({@code error}, {@code error_description}); the caller maps it. */
    static final class ServiceError extends TokenException {
        private static final long serialVersionUID = 1L;
        final int status;
        final String code;
        final String description;

        ServiceError(int status, String code, String description) {
            super("The signing service answered " + status + " " + code);
            this.status = status;
            this.code = code;
            this.description = description;
        }

        /** Whether the description names this request parameter, as CSC's "Invalid parameter X" does. */
        boolean names(String parameter) {
            return description.contains("parameter " + parameter);
        }
    }

    SigningServiceException malformed(String what) {
        return new SigningServiceException(serviceName, SigningServiceException.MALFORMED_RESPONSE, what);
    }

    private static long seconds(String header) {
        try {
            return Math.max(0, Math.min(86_400, Long.parseLong(header.trim())));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Keeps a service's text short and printable before it goes into a message. */
    private static String printable(String s) {
        String cut = s.length() > 200 ? s.substring(0, 200) : s;
        return cut.replaceAll("[^\\x20-\\x7E]", "?");
    }

    private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
