package jp.securetoken.remote;

import java.net.URI;

/**
 * The application's part of the OAuth 2.0 authorization-code login: it shows the user the
 * authorization page (a browser, a QR code, a link) and hands back the address the service
 * redirected to, which carries the code. The token checks the redirect's {@code state} and uses PKCE,
 * so a code captured by someone else is useless.
 */
@FunctionalInterface
public interface AuthorizationBrowser {

    /**
     * Takes the user through the authorization page.
     *
     * @param authorizationRequest the page to open
     * @return the full redirect address with {@code code} and {@code state}, or {@code null} when the user cancelled
     */
    URI authorize(URI authorizationRequest);
}
