package jp.securetoken.tls.trust;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Fetches revocation data (a CRL, an OCSP response) over plain HTTP, bounded in size and time. A
 * redirect is followed only to another {@code http:} URL and at most {@link #MAX_REDIRECTS} times:
 * no {@code file:}, {@code ldap:} or {@code https:} detours (CRLs and OCSP responses are signed;
 * RFC 5280 4.2.1.13 and RFC 6960 A.1 name HTTP).
 */
final class RevocationFetch {
    static final int MAX_REDIRECTS = 3;

    private final HttpClient client;
    private final Duration timeout;
    private final int maxBytes;

    RevocationFetch(Duration timeout, int maxBytes) {
        this.timeout = timeout;
        this.maxBytes = maxBytes;
        this.client = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER)
                .version(HttpClient.Version.HTTP_1_1).build();
    }

    /** {@code d}, when positive; for the builders of the caches that fetch. */
    static Duration positive(Duration d, String what) {
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive");
        }
        return d;
    }

    /** {@code n}, when positive. */
    static int positive(int n, String what) {
        if (n <= 0) {
            throw new IllegalArgumentException(what + " must be positive");
        }
        return n;
    }

    /** Whether {@code uri} is a URL this fetcher goes to (http, with a host). */
    static boolean isHttp(URI uri) {
        return uri.getScheme() != null && "http".equals(uri.getScheme().toLowerCase(Locale.ROOT))
                && uri.getHost() != null;
    }

    byte[] get(URI uri) throws IOException {
        return send(uri, Optional.empty(), null);
    }

    byte[] post(URI uri, String contentType, byte[] body) throws IOException {
        return send(uri, Optional.of(body), contentType);
    }

    private byte[] send(URI first, Optional<byte[]> body, String contentType) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        URI uri = first;
        for (int hop = 0; ; hop++) {
            if (!isHttp(uri)) {
                throw new IOException("refused to fetch " + uri + ": only http URLs are fetched");
            }
            HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(timeout);
            if (body.isPresent()) {
                request.header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofByteArray(body.get()));
            } else {
                request.GET();
            }
            CompletableFuture<HttpResponse<byte[]>> pending = client.sendAsync(request.build(),
                    info -> new BoundedBody(info.headers().firstValueAsLong("Content-Length").orElse(-1), maxBytes));
            HttpResponse<byte[]> response;
            try {
                response = pending.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                pending.cancel(true);
                throw new IOException(uri + " did not answer within " + timeout.toMillis() + " ms", e);
            } catch (InterruptedException e) {
                pending.cancel(true);
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while fetching " + uri, e);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                throw new IOException("cannot fetch " + uri + ": " + (cause instanceof java.net.ConnectException
                        ? "connection refused" : cause.getMessage() != null ? cause.getMessage()
                        : cause.getClass().getSimpleName()), cause);
            }
            int status = response.statusCode();
            if (status >= 300 && status < 400) {
                Optional<String> location = response.headers().firstValue("Location");
                if (location.isEmpty() || hop >= MAX_REDIRECTS) {
                    throw new IOException(uri + " answered HTTP " + status + (location.isEmpty()
                            ? " without a location" : " once too often (at most " + MAX_REDIRECTS + " redirects)"));
                }
                uri = uri.resolve(location.get());
                continue;
            }
            if (status != 200) {
                throw new IOException(uri + " answered HTTP " + status);
            }
            return response.body();
        }
    }

    /** Collects a body, failing as soon as it (or its declared length) passes the limit. */
    private static final class BoundedBody implements HttpResponse.BodySubscriber<byte[]> {
        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private final ByteArrayOutputStream collected = new ByteArrayOutputStream();
        private final long declared;
        private final int maxBytes;
        private Flow.Subscription subscription;

        BoundedBody(long declared, int maxBytes) {
            this.declared = declared;
            this.maxBytes = maxBytes;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (declared > maxBytes) {
                s.cancel();
                result.completeExceptionally(new IOException("the answer declares " + declared
                        + " bytes, more than the limit of " + maxBytes));
                return;
            }
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            for (ByteBuffer b : buffers) {
                if (collected.size() + b.remaining() > maxBytes) {
                    subscription.cancel();
                    result.completeExceptionally(new IOException("the answer is larger than the limit of "
                            + maxBytes + " bytes"));
                    return;
                }
                byte[] chunk = new byte[b.remaining()];
                b.get(chunk);
                collected.write(chunk, 0, chunk.length);
            }
        }

        @Override
        public void onError(Throwable t) {
            result.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            result.complete(collected.toByteArray());
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return result;
        }
    }
}
