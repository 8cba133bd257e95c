package jp.securetoken.lifecycle;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import javax.security.auth.x500.X500Principal;

import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.SecureToken;
import jp.securetoken.lifecycle.issuer.EstServer;
import jp.securetoken.lifecycle.issuer.IssuerState;
import jp.securetoken.lifecycle.node.NodeEnrollment;
import jp.securetoken.soft.SoftTokens;
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
        server = EstServer.builder(caToken, state).connectionLimits(IssuerFixture.LOOPBACK).start();
    }

    /** An empty node token in the class's directory, logged in. */
    static SecureToken emptyNode(String name) throws Exception {
        SecureToken token = SoftTokens.open(IssuerFixture.emptyToken(dir.resolve(name + ".stk")));
        token.login(IssuerFixture.pin());
        return token;
    }

    /** A node token enrolled at the class's server as {@code node}, subject {@code CN=NAME, O=Example Clinic, C=JP}. */
    static SecureToken enrolled(String name) throws Exception {
        return enrolled(name, List.of());
    }

    /** As {@link #enrolled(String)}, with DNS names in the certificate. */
    static SecureToken enrolled(String name, List<String> dnsNames) throws Exception {
        return enrolledAt(server, name, dnsNames);
    }

    /** As {@link #enrolled(String, List)}, at another server of the class's CA and state. */
    static SecureToken enrolledAt(EstServer issuing, String name, List<String> dnsNames) throws Exception {
        SecureToken token = emptyNode(name);
        X500Principal subject = new X500Principal("CN=" + name + ", O=Example Clinic, C=JP");
        String code = state.invite(subject, dnsNames, Duration.ofDays(1));
        NodeEnrollment.enroll(token, "node", KeyAlgorithm.EC_P256, issuing.uri(), anchor, code.toCharArray(), null);
        return token;
    }

    @AfterAll
    static void stopIssuingServer() {
        server.close();
        caToken.close();
    }
}
