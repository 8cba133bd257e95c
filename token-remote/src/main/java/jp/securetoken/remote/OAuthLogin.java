package jp.securetoken.remote;

import java.net.URI;
import java.util.Arrays;
import java.util.Objects;

/**
 * How a remote token logs in to its signing service (OAuth 2.0): the authorization-code grant with
 * PKCE for a person, through an {@link AuthorizationBrowser} the application provides, or the
 * client-credentials grant for a service account. Access and refresh tokens are kept in memory only
 * and dropped (and revoked at the service) on logout.
 */
public sealed interface OAuthLogin permits OAuthLogin.AuthorizationCode, OAuthLogin.ClientCredentials {

    /** The OAuth client ID the service knows this application by. */
    String clientId();

    /** A person logs in through a browser; the code comes back to {@code redirectUri}. */
    static OAuthLogin authorizationCode(String clientId, URI redirectUri, AuthorizationBrowser browser) {
        return new AuthorizationCode(clientId, redirectUri, browser);
    }

    /** A service account logs in with its client secret; the array is copied, close the login to wipe the copy. */
    static ClientCredentials clientCredentials(String clientId, char[] secret) {
        return new ClientCredentials(clientId, secret);
    }

    /** Authorization code with PKCE (RFC 7636), S256. */
    final class AuthorizationCode implements OAuthLogin {
        private final String clientId;
        private final URI redirectUri;
        private final AuthorizationBrowser browser;

        private AuthorizationCode(String clientId, URI redirectUri, AuthorizationBrowser browser) {
            this.clientId = Objects.requireNonNull(clientId, "clientId");
            this.redirectUri = Objects.requireNonNull(redirectUri, "redirectUri");
            this.browser = Objects.requireNonNull(browser, "browser");
        }

        @Override
        public String clientId() {
            return clientId;
        }

        public URI redirectUri() {
            return redirectUri;
        }

        AuthorizationBrowser browser() {
            return browser;
        }

        @Override
        public String toString() {
            return "OAuthLogin.AuthorizationCode[clientId=" + clientId + "]";
        }
    }

    /** Client credentials (RFC 6749 section 4.4). The secret is never printed. */
    final class ClientCredentials implements OAuthLogin, AutoCloseable {
        private final String clientId;
        private final char[] secret;

        private ClientCredentials(String clientId, char[] secret) {
            this.clientId = Objects.requireNonNull(clientId, "clientId");
            this.secret = Objects.requireNonNull(secret, "secret").clone();
        }

        @Override
        public String clientId() {
            return clientId;
        }

        /** A copy of the secret for one token request; the caller wipes it. */
        char[] secret() {
            return secret.clone();
        }

        /** Wipes the secret. */
        @Override
        public void close() {
            Arrays.fill(secret, '\0');
        }

        @Override
        public String toString() {
            return "OAuthLogin.ClientCredentials[clientId=" + clientId + ", secret=****]";
        }
    }
}
