package jp.securetoken.testsupport.csc;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.MessageDigest;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PSSParameterSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.jr.ob.JSON;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import jp.securetoken.api.Credential;
import jp.securetoken.api.SignatureScheme;
import jp.securetoken.api.TokenException;
import jp.securetoken.testsupport.csc.CscTestService.Code;
import jp.securetoken.testsupport.csc.CscTestService.Owned;
import jp.securetoken.testsupport.csc.CscTestService.Sad;
import jp.securetoken.testsupport.csc.CscTestService.Session;
import jp.securetoken.testsupport.csc.CscTestService.State;

/** The HTTP endpoints of {@link CscTestService}: OAuth 2.0 and the CSC API, on a worker thread, not the event loop. */
final class CscApi extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final String PREFIX = "/csc/v2/";

    private final CscTestService service;
    private final State state;

    /** A refusal with its HTTP status and CSC error. */
    private static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;
        final HttpResponseStatus status;
        final String error;

        Refused(HttpResponseStatus status, String error, String description) {
            super(description);
            this.status = status;
            this.error = error;
        }

        static Refused invalid(String parameter) {
            return new Refused(HttpResponseStatus.BAD_REQUEST, "invalid_request", "Invalid parameter " + parameter);
        }
    }

    CscApi(CscTestService service) {
        this.service = service;
        this.state = service.state;
    }

    /** Serves the request on a worker thread: signing in the token must not hold the event loop. */
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (state.stalled) {
            return;
        }
        FullHttpRequest held = request.retain();
        try {
            service.workers.execute(() -> {
                try {
                    serve(ctx, held);
                } finally {
                    held.release();
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            held.release();
            ctx.close();
        }
    }

    private void serve(ChannelHandlerContext ctx, FullHttpRequest request) {
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        String path = uri.path().startsWith(PREFIX) ? uri.path().substring(PREFIX.length()) : "";
        try {
            if (request.method() == HttpMethod.GET && path.equals("oauth2/authorize")) {
                redirect(ctx, authorize(uri.parameters()));
                return;
            }
            if (request.method() != HttpMethod.POST) {
                throw new Refused(HttpResponseStatus.METHOD_NOT_ALLOWED, "invalid_request", "POST only");
            }
            if (state.throttle.get() != null) {
                FullHttpResponse r = response(HttpResponseStatus.TOO_MANY_REQUESTS, Map.of("error", "rate_limited"));
                r.headers().set(HttpHeaderNames.RETRY_AFTER, state.throttle.get().toSeconds());
                ctx.writeAndFlush(r);
                return;
            }
            String body = request.content().toString(StandardCharsets.UTF_8);
            Map<String, Object> answer = switch (path) {
                case "oauth2/token" -> token(form(body));
                case "oauth2/revoke" -> revoke(form(body));
                case "info" -> Map.of("specs", "2.0.0.2", "name", "securetoken CSC test service", "region", "JP",
                        "authType", List.of("oauth2code", "oauth2client"), "oauth2",
                        service.url().toString(), "methods", List.of("credentials/list", "credentials/info",
                                "credentials/authorize", "credentials/sendOTP", "signatures/signHash"));
                default -> api(path, bearer(request), json(body));
            };
            if (state.malformed && !path.startsWith("oauth2/") && !path.equals("info")) {
                ctx.writeAndFlush(raw(HttpResponseStatus.OK, "{\"signatures\": [\"AAAA\""));
                return;
            }
            ctx.writeAndFlush(response(HttpResponseStatus.OK, answer));
        } catch (Refused r) {
            Map<String, Object> error = new LinkedHashMap<>();
            error.put("error", r.error);
            error.put("error_description", r.getMessage());
            ctx.writeAndFlush(response(r.status, error));
        }
    }

    private Map<String, Object> api(String path, Session session, Map<String, Object> body) throws Refused {
        return switch (path) {
            case "credentials/list" -> {
                List<String> ids = new ArrayList<>();
                state.credentials.forEach((id, o) -> {
                    if (o.user().equals(session.user())) {
                        ids.add(id);
                    }
                });
                ids.sort(null);
                yield Map.of("credentialIDs", ids);
            }
            case "credentials/info" -> info(owned(session, body));
            case "credentials/sendOTP" -> {
                Owned o = owned(session, body);
                if (!o.activation().otp()) {
                    throw Refused.invalid("credentialID (no OTP)");
                }
                state.otps.put(o.user() + "|" + text(body, "credentialID"),
                        String.format("%06d", new java.security.SecureRandom().nextInt(1_000_000)));
                yield Map.of();
            }
            case "credentials/authorize" -> authorize(session, owned(session, body), body);
            case "signatures/signHash" -> signHash(session, owned(session, body), body);
            default -> throw new Refused(HttpResponseStatus.NOT_FOUND, "invalid_request", "no such method");
        };
    }

    /** The credential named in the body, if it exists and belongs to the caller (no hint otherwise). */
    private Owned owned(Session session, Map<String, Object> body) throws Refused {
        Owned o = state.credentials.get(text(body, "credentialID"));
        if (o == null || !o.user().equals(session.user())) {
            throw Refused.invalid("credentialID");
        }
        return o;
    }

    private Map<String, Object> info(Owned o) throws Refused {
        X509Certificate cert = o.credential().certificate();
        List<String> chain = new ArrayList<>();
        try {
            for (X509Certificate c : o.credential().chain()) {
                chain.add(Base64.getEncoder().encodeToString(c.getEncoded()));
            }
        } catch (CertificateEncodingException e) {
            throw new Refused(HttpResponseStatus.INTERNAL_SERVER_ERROR, "server_error", "certificate");
        }
        Map<String, Object> key = new LinkedHashMap<>();
        key.put("status", o.enabled()[0] ? "enabled" : "disabled");
        if (cert.getPublicKey() instanceof RSAPublicKey rsa) {
            key.put("algo", List.of("1.2.840.113549.1.1.1", "1.2.840.113549.1.1.10"));
            key.put("len", rsa.getModulus().bitLength());
        } else {
            key.put("algo", List.of("1.2.840.10045.2.1"));
            key.put("len", ((ECPublicKey) cert.getPublicKey()).getParams().getCurve().getField().getFieldSize());
        }
        List<Map<String, Object>> objects = new ArrayList<>();
        if (o.activation().pin() != null) {
            objects.add(Map.of("type", "Password", "id", "PIN", "format", "N", "label", "PIN"));
        }
        if (o.activation().otp()) {
            objects.add(Map.of("type", "Password", "id", "OTP", "format", "N", "generator", "online", "label", "OTP"));
        }
        Map<String, Object> auth = new LinkedHashMap<>();
        auth.put("mode", objects.isEmpty() ? "implicit" : "explicit");
        auth.put("objects", objects);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("key", key);
        out.put("cert", Map.of("status", "valid", "certificates", chain));
        out.put("auth", auth);
        out.put("SCAL", "2");
        out.put("multisign", 16);
        return out;
    }

    private Map<String, Object> authorize(Session session, Owned o, Map<String, Object> body) throws Refused {
        List<String> hashes = texts(body, "hashes");
        if (number(body, "numSignatures") != hashes.size() || hashes.isEmpty() || hashes.size() > 16) {
            throw Refused.invalid("numSignatures");
        }
        String credentialId = text(body, "credentialID");
        if (o.activation().pin() != null && !o.activation().pin().equals(body.get("PIN"))) {
            throw Refused.invalid("PIN");
        }
        if (o.activation().otp()) {
            String sent = state.otps.remove(o.user() + "|" + credentialId);
            if (sent == null || !sent.equals(body.get("OTP"))) {
                throw Refused.invalid("OTP");
            }
        }
        String sad = CscTestService.random();
        state.sads.put(sad, new Sad(session.user(), credentialId, List.copyOf(hashes), text(body, "hashAlgorithmOID"),
                state.now().plus(state.sadLifetime)));
        return Map.of("SAD", sad, "expiresIn", state.sadLifetime.toSeconds());
    }

    private Map<String, Object> signHash(Session session, Owned o, Map<String, Object> body) throws Refused {
        String credentialId = text(body, "credentialID");
        Sad sad = state.sads.remove(text(body, "SAD"));
        if (sad == null || !sad.user().equals(session.user()) || !sad.credentialId().equals(credentialId)) {
            throw Refused.invalid("SAD");
        }
        if (!sad.expires().isAfter(state.now())) {
            throw new Refused(HttpResponseStatus.BAD_REQUEST, "invalid_request", "Invalid parameter SAD (expired)");
        }
        List<String> hashes = texts(body, "hashes");
        if (!hashes.equals(sad.hashes()) || !text(body, "hashAlgorithmOID").equals(sad.hashAlgorithm())) {
            throw Refused.invalid("hashes");
        }
        if (!o.enabled()[0]) {
            throw Refused.invalid("credentialID (disabled)");
        }
        SignatureScheme scheme = scheme(body);
        Credential credential = o.credential();
        if (!credential.key().signatureSchemes().contains(scheme)) {
            throw Refused.invalid("signAlgo");
        }
        List<String> signatures = new ArrayList<>();
        for (String h : hashes) {
            byte[] digest;
            try {
                digest = Base64.getDecoder().decode(h);
                signatures.add(Base64.getEncoder().encodeToString(credential.key().signDigest(scheme, digest)));
            } catch (IllegalArgumentException e) {
                throw Refused.invalid("hashes");
            } catch (TokenException e) {
                throw new Refused(HttpResponseStatus.INTERNAL_SERVER_ERROR, "server_error", "the key store failed");
            }
            state.signatures.incrementAndGet();
        }
        return Map.of("signatures", signatures);
    }

    private static SignatureScheme scheme(Map<String, Object> body) throws Refused {
        SignatureScheme scheme = SignatureScheme.forOids(text(body, "signAlgo"), text(body, "hashAlgorithmOID"))
                .orElseThrow(() -> Refused.invalid("signAlgo"));
        if (scheme.padding() == SignatureScheme.Padding.PSS) {
            try {
                AlgorithmParameters p = AlgorithmParameters.getInstance("RSASSA-PSS");
                p.init(Base64.getDecoder().decode(text(body, "signAlgoParams")));
                PSSParameterSpec spec = p.getParameterSpec(PSSParameterSpec.class);
                PSSParameterSpec want = (PSSParameterSpec) scheme.jcaParameters().orElseThrow();
                if (!spec.getDigestAlgorithm().equals(want.getDigestAlgorithm())
                        || spec.getSaltLength() != want.getSaltLength()) {
                    throw Refused.invalid("signAlgoParams");
                }
            } catch (IOException | java.security.GeneralSecurityException | IllegalArgumentException e) {
                throw Refused.invalid("signAlgoParams");
            }
        }
        return scheme;
    }

    private String authorize(Map<String, List<String>> q) throws Refused {
        String clientId = first(q, "client_id");
        String[] client = state.clients.get(clientId);
        String redirect = first(q, "redirect_uri");
        if (client == null || client.length < 3 || !client[2].equals(redirect)) {
            throw new Refused(HttpResponseStatus.BAD_REQUEST, "invalid_client", "unknown client or redirect");
        }
        if (!"code".equals(first(q, "response_type")) || !"S256".equals(first(q, "code_challenge_method"))) {
            throw Refused.invalid("response_type or code_challenge_method");
        }
        String user = state.signedInUser.get();
        String state0 = first(q, "state");
        if (user == null) {
            return redirect + "?error=access_denied&state=" + state0;
        }
        String code = CscTestService.random();
        state.codes.put(code, new Code(user, clientId, redirect, first(q, "code_challenge"),
                state.now().plusSeconds(60)));
        return redirect + "?code=" + code + "&state=" + state0;
    }

    private Map<String, Object> token(Map<String, String> f) throws Refused {
        String grant = f.getOrDefault("grant_type", "");
        String clientId = f.getOrDefault("client_id", "");
        String[] client = state.clients.get(clientId);
        if (client == null) {
            throw new Refused(HttpResponseStatus.UNAUTHORIZED, "invalid_client", "unknown client");
        }
        String user;
        switch (grant) {
            case "client_credentials" -> {
                if (client[0] == null || !MessageDigest.isEqual(client[0].getBytes(StandardCharsets.UTF_8),
                        f.getOrDefault("client_secret", "").getBytes(StandardCharsets.UTF_8))) {
                    throw new Refused(HttpResponseStatus.UNAUTHORIZED, "invalid_client", "client authentication failed");
                }
                user = client[1];
            }
            case "authorization_code" -> {
                Code code = state.codes.remove(f.getOrDefault("code", ""));
                if (code == null || !code.clientId().equals(clientId) || !code.expires().isAfter(state.now())
                        || !code.redirectUri().equals(f.get("redirect_uri"))
                        || !code.challenge().equals(s256(f.getOrDefault("code_verifier", "")))) {
                    throw new Refused(HttpResponseStatus.BAD_REQUEST, "invalid_grant", "code, redirect or verifier");
                }
                user = code.user();
            }
            case "refresh_token" -> {
                Session s = state.refreshTokens.remove(f.getOrDefault("refresh_token", ""));
                if (s == null || !s.clientId().equals(clientId)) {
                    throw new Refused(HttpResponseStatus.BAD_REQUEST, "invalid_grant", "refresh token");
                }
                user = s.user();
            }
            default -> throw new Refused(HttpResponseStatus.BAD_REQUEST, "unsupported_grant_type", grant);
        }
        String access = CscTestService.random();
        state.accessTokens.put(access, new Session(user, clientId, state.now().plus(state.accessTokenLifetime)));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("access_token", access);
        out.put("token_type", "Bearer");
        out.put("expires_in", state.accessTokenLifetime.toSeconds());
        if (!grant.equals("client_credentials")) {
            String refresh = CscTestService.random();
            state.refreshTokens.put(refresh, new Session(user, clientId, Instant.MAX));
            out.put("refresh_token", refresh);
        }
        return out;
    }

    private Map<String, Object> revoke(Map<String, String> f) {
        String t = f.getOrDefault("token", "");
        state.accessTokens.remove(t);
        state.refreshTokens.remove(t);
        return Map.of();
    }

    private Session bearer(FullHttpRequest request) throws Refused {
        String h = Optional.ofNullable(request.headers().get(HttpHeaderNames.AUTHORIZATION)).orElse("");
        Session s = h.startsWith("Bearer ") ? state.accessTokens.get(h.substring(7)) : null;
        if (s == null || !s.expires().isAfter(state.now())) {
            throw new Refused(HttpResponseStatus.UNAUTHORIZED, "invalid_token", "access token missing or expired");
        }
        return s;
    }

    private static String s256(String verifier) {
        try {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(
                    MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, Object> json(String body) throws Refused {
        try {
            return JSON.std.mapFrom(body);
        } catch (IOException | RuntimeException e) {
            throw new Refused(HttpResponseStatus.BAD_REQUEST, "invalid_request", "malformed JSON");
        }
    }

    private static Map<String, String> form(String body) {
        Map<String, String> out = new HashMap<>();
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                out.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    private static String first(Map<String, List<String>> q, String name) throws Refused {
        List<String> v = q.get(name);
        if (v == null || v.size() != 1) {
            throw Refused.invalid(name);
        }
        return v.get(0);
    }

    private static String text(Map<String, Object> body, String name) throws Refused {
        if (!(body.get(name) instanceof String s)) {
            throw Refused.invalid(name);
        }
        return s;
    }

    private static long number(Map<String, Object> body, String name) throws Refused {
        if (!(body.get(name) instanceof Number n)) {
            throw Refused.invalid(name);
        }
        return n.longValue();
    }

    private static List<String> texts(Map<String, Object> body, String name) throws Refused {
        if (!(body.get(name) instanceof List<?> l) || !l.stream().allMatch(String.class::isInstance)) {
            throw Refused.invalid(name);
        }
        return l.stream().map(String.class::cast).toList();
    }

    private static void redirect(ChannelHandlerContext ctx, String location) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.FOUND);
        r.headers().set(HttpHeaderNames.LOCATION, location).setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        ctx.writeAndFlush(r);
    }

    private static FullHttpResponse response(HttpResponseStatus status, Map<String, Object> body) {
        try {
            return raw(status, JSON.std.asString(body));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static FullHttpResponse raw(HttpResponseStatus status, String body) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
        return r;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
