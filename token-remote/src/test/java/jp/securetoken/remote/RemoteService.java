package jp.securetoken.remote;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import jp.securetoken.api.CredentialUsage;
import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.PinCallback;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.SecureTokens;
import jp.securetoken.api.TokenException;
import jp.securetoken.soft.SoftTokenSettings;
import jp.securetoken.soft.SoftTokens;
import jp.securetoken.testpki.TestPki;
import jp.securetoken.testsupport.csc.CscTestService;

/**
 * A running CSC test service whose keys are in a real soft token, with two users: alice (three
 * credentials: PIN, PIN + one-time password, a node-authentication key without PIN) and bob (one),
 * and the clients that log in for them. Closed after each test.
 */
final class RemoteService implements AutoCloseable {
    static final String PIN = "1234";
    static final String SECRET = "node-7-secret";
    static final URI REDIRECT = URI.create("https://app.example.jp/callback");

    final TestPki signingCa = TestPki.create("Remote Signing CA");
    final TestPki serviceCa = TestPki.create("CSC Service TLS CA");
    final SecureToken keyStore;
    final CscTestService csc;

    RemoteService(Path dir) throws Exception {
        Path file = dir.resolve("service-keys.stk");
        try (PinCallback.Fixed user = PinCallback.fixed("service-pin".toCharArray());
                PinCallback.Fixed admin = PinCallback.fixed("service-admin".toCharArray())) {
            SoftTokens.create(file, SoftTokenSettings.builder("csc-service-keys").userPin(user).administratorPin(admin)
                    .kdfIterations(SoftTokenSettings.MIN_KDF_ITERATIONS).build());
            keyStore = SoftTokens.open(file);
            keyStore.login(user);
        }
        enroll("alice-sign", "Alice Remote Signer", KeyAlgorithm.EC_P256, CredentialUsage.DOCUMENT_SIGNING, false);
        enroll("alice-otp", "Alice Remote Signer OTP", KeyAlgorithm.EC_P256, CredentialUsage.DOCUMENT_SIGNING, false);
        enroll("alice-node", "clinic-remote-001", KeyAlgorithm.RSA_2048, CredentialUsage.NODE_AUTHENTICATION, true);
        enroll("bob-sign", "Bob Remote Signer", KeyAlgorithm.EC_P256, CredentialUsage.DOCUMENT_SIGNING, false);
        csc = CscTestService.start(serviceCa)
                .addClient("node-7", SECRET, "alice")
                .addClient("bob-app", "bob-secret", "bob")
                .addPublicClient("signing-app", REDIRECT)
                .addCredential("alice", "alice-sign", keyStore.credential("alice-sign"),
                        CscTestService.Activation.pin(PIN))
                .addCredential("alice", "alice-otp", keyStore.credential("alice-otp"),
                        CscTestService.Activation.pinAndOtp(PIN))
                .addCredential("alice", "alice-node", keyStore.credential("alice-node"),
                        CscTestService.Activation.implicit())
                .addCredential("bob", "bob-sign", keyStore.credential("bob-sign"), CscTestService.Activation.pin(PIN));
    }

    private void enroll(String alias, String cn, KeyAlgorithm algorithm, CredentialUsage usage, boolean client)
            throws TokenException {
        keyStore.lifecycle().enroll(alias, algorithm, usage, key -> {
            TestPki.Issue issue = signingCa.issue(cn);
            return (client ? issue.clientAuth() : issue).certifyChain(key);
        });
    }

    /** A configuration for alice's service account, trusting the service's TLS CA. */
    CscTokenConfig.Builder config() {
        return CscTokenConfig.builder(csc.url()).login(OAuthLogin.clientCredentials("node-7", SECRET.toCharArray()))
                .trustAnchors(List.of(serviceCa.caCertificate())).timeouts(Duration.ofSeconds(5), Duration.ofSeconds(5));
    }

    /** Opens a remote token through ServiceLoader discovery. */
    static CscToken open(CscTokenConfig config) throws TokenException {
        return (CscToken) SecureTokens.discover().open(config);
    }

    /**
     * The user's browser: fetches the authorization page (the user is signed in at the identity
     * provider) and returns where the service redirects to, without following it.
     */
    AuthorizationBrowser browser() {
        return request -> {
            try {
                HttpClient client = HttpClient.newBuilder().sslContext(sslContext())
                        .followRedirects(HttpClient.Redirect.NEVER).build();
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(request).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                return URI.create(r.headers().firstValue("Location").orElseThrow());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        };
    }

    private javax.net.ssl.SSLContext sslContext() {
        try {
            java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setCertificateEntry("ca", serviceCa.caCertificate());
            javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance("PKIX");
            tmf.init(ks);
            javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Answers the PIN request with {@link #PIN} and the one-time password request with what the service sent. */
    PinCallback pinAndOtp(String credentialId) {
        return request -> request.purpose().contains("one-time") ? csc.lastOneTimePassword(credentialId).toCharArray()
                : PIN.toCharArray();
    }

    @Override
    public void close() {
        csc.close();
        keyStore.close();
    }
}
