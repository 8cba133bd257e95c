package jp.securetoken.remote;

import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import jp.securetoken.api.PinEntryCancelledException;
import jp.securetoken.api.PinRole;
import jp.securetoken.api.TokenException;

/**
 * One OAuth 2.0 session with the signing service's authorization server: obtains the access token
 * (authorization code with PKCE S256, or client credentials), refreshes it before it runs out or
 * when the service refuses it, and revokes and forgets it on logout. Tokens live in memory only.
 * Used on the token's queue thread only.
 */
final class OAuthSession {
    private static final Logger LOG = LoggerFactory.getLogger(OAuthSession.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Duration SKEW = Duration.ofSeconds(5);

    private final CscHttp http;
    private final URI oauthBase;
    private final OAuthLogin login;
    private final Clock clock;
    private String accessToken;
    private String refreshToken;
    private Instant expiresAt;

    OAuthSession(CscHttp http, URI oauthBase, OAuthLogin login, Clock clock) {
        this.http = http;
        this.oauthBase = oauthBase;
        this.login = login;
        this.clock = clock;
    }

    /** Runs the login grant; afterwards {@link #accessToken()} is valid. */
    void login() throws TokenException {
        Map<String, String> form = new LinkedHashMap<>();
        if (login instanceof OAuthLogin.ClientCredentials cc) {
            char[] secret = cc.secret();
            try {
                form.put("grant_type", "client_credentials");
                form.put("client_id", cc.clientId());
                form.put("client_secret", new String(secret));
                form.put("scope", "service");
            } finally {
                Arrays.fill(secret, '\0');
            }
        } else if (login instanceof OAuthLogin.AuthorizationCode ac) {
            String verifier = random(32);
            String state = random(16);
            URI request = authorizationRequest(ac, challenge(verifier), state);
            URI redirect = ac.browser().authorize(request);
            if (redirect == null) {
                throw new PinEntryCancelledException(PinRole.USER);
            }
            String code = codeFrom(ac, redirect, state);
            form.put("grant_type", "authorization_code");
            form.put("code", code);
            form.put("redirect_uri", ac.redirectUri().toString());
            form.put("client_id", ac.clientId());
            form.put("code_verifier", verifier);
        }
        accept(tokenRequest(form, "login"));
    }

    /** The current access token, refreshed first when it is about to expire. */
    String accessToken() throws TokenException {
        if (accessToken == null) {
            throw new AuthorizationExpiredException("login session");
        }
        if (expiresAt != null && clock.instant().plus(SKEW).isAfter(expiresAt)) {
            refresh();
        }
        return accessToken;
    }

    /** Gets a new access token after the service refused the current one, or throws. */
    void refresh() throws TokenException {
        Map<String, String> form = new LinkedHashMap<>();
        if (refreshToken != null) {
            form.put("grant_type", "refresh_token");
            form.put("refresh_token", refreshToken);
            form.put("client_id", login.clientId());
            accept(tokenRequest(form, "refresh"));
        } else if (login instanceof OAuthLogin.ClientCredentials) {
            login();
        } else {
            forget();
            throw new AuthorizationExpiredException("login session");
        }
    }

    /** Revokes the tokens at the service (best effort) and forgets them. */
    void logout() {
        for (String[] t : new String[][] {{refreshToken, "refresh_token"}, {accessToken, "access_token"}}) {
            if (t[0] == null) {
                continue;
            }
            try {
                http.form(oauthBase.resolve("oauth2/revoke"), Map.of("token", t[0], "token_type_hint", t[1],
                        "client_id", login.clientId()));
            } catch (TokenException e) {
                LOG.info("Revoking the {} at the signing service failed: {}", t[1], e.getClass().getSimpleName());
            }
        }
        forget();
    }

    boolean active() {
        return accessToken != null;
    }

    private void forget() {
        accessToken = null;
        refreshToken = null;
        expiresAt = null;
    }

    private Map<String, Object> tokenRequest(Map<String, String> form, String what) throws TokenException {
        try {
            return http.form(oauthBase.resolve("oauth2/token"), form);
        } catch (CscHttp.ServiceError e) {
            forget();
            if ("invalid_grant".equals(e.code) || "invalid_client".equals(e.code) || e.status == 401) {
                throw new AuthorizationExpiredException("login session (" + what + " refused: " + e.code + ")");
            }
            throw new SigningServiceException(http.serviceName(), e.code, e.description);
        } catch (CscHttp.AccessTokenRejected e) {
            forget();
            throw new AuthorizationExpiredException("login session (" + what + " refused)");
        } finally {
            form.replaceAll((k, v) -> "");
        }
    }

    private void accept(Map<String, Object> answer) throws TokenException {
        try {
            String type = CscJson.text(answer, "token_type");
            if (!"bearer".equalsIgnoreCase(type)) {
                throw new CscJson.Malformed("token_type is not Bearer");
            }
            accessToken = CscJson.text(answer, "access_token");
            String refresh = CscJson.optionalText(answer, "refresh_token");
            if (refresh != null) {
                refreshToken = refresh;
            }
            long seconds = CscJson.number(answer, "expires_in", -1);
            expiresAt = seconds < 0 ? null : clock.instant().plusSeconds(seconds);
        } catch (CscJson.Malformed e) {
            forget();
            throw http.malformed(e.getMessage());
        }
    }

    private URI authorizationRequest(OAuthLogin.AuthorizationCode ac, String challenge, String state) {
        Map<String, String> q = new LinkedHashMap<>();
        q.put("response_type", "code");
        q.put("client_id", ac.clientId());
        q.put("redirect_uri", ac.redirectUri().toString());
        q.put("scope", "service");
        q.put("code_challenge", challenge);
        q.put("code_challenge_method", "S256");
        q.put("state", state);
        StringBuilder s = new StringBuilder(oauthBase.resolve("oauth2/authorize").toString()).append('?');
        q.forEach((k, v) -> s.append(k).append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8)).append('&'));
        s.setLength(s.length() - 1);
        return URI.create(s.toString());
    }

    /** Checks the redirect is ours and carries our state, and takes its code. */
    private String codeFrom(OAuthLogin.AuthorizationCode ac, URI redirect, String state) throws TokenException {
        URI expected = ac.redirectUri();
        if (!expected.getScheme().equalsIgnoreCase(String.valueOf(redirect.getScheme()))
                || !String.valueOf(expected.getRawAuthority()).equals(String.valueOf(redirect.getRawAuthority()))
                || !String.valueOf(expected.getRawPath()).equals(String.valueOf(redirect.getRawPath()))) {
            throw new SigningServiceException(http.serviceName(), "redirect_mismatch",
                    "the login came back to another address than the registered redirect");
        }
        Map<String, String> q = new HashMap<>();
        String raw = redirect.getRawQuery();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    q.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        if (!state.equals(q.get("state"))) {
            throw new SigningServiceException(http.serviceName(), "state_mismatch",
                    "the login answer does not belong to this login request (possible forgery)");
        }
        if (q.containsKey("error")) {
            throw new AuthorizationExpiredException("login request (" + q.get("error") + ")");
        }
        String code = q.get("code");
        if (code == null || code.isEmpty()) {
            throw new SigningServiceException(http.serviceName(), "invalid_redirect", "the login answer has no code");
        }
        return code;
    }

    static String challenge(String verifier) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String random(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
