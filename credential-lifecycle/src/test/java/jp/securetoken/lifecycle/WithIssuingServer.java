package jp.securetoken.lifecycle;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;

import jp.securetoken.api.SecureToken;
import jp.securetoken.lifecycle.issuer.EstServer;
import jp.securetoken.lifecycle.issuer.IssuerState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** Base of the node-side test classes: one issuing server (EST on loopback, CA key in a soft token) per class. */
abstract class WithIssuingServer {
    @TempDir
    static Path dir;
    static SecureToken caToken;
    static X509Certificate anchor;
    static IssuerState state;
    static EstServer server;

    @BeforeAll
    static void startIssuingServer() throws Exception {
        caToken = IssuerFixture.issuerToken(dir.resolve("issuer.stk"), Clock.systemUTC());
        anchor = IssuerFixture.caCertificate(caToken);
        state = IssuerState.open(dir.resolve("state"));
        server = EstServer.builder(caToken, state).start();
    }

    @AfterAll
    static void stopIssuingServer() {
        server.close();
        caToken.close();
    }
}
