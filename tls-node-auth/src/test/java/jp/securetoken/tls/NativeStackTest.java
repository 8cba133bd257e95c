package jp.securetoken.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.ssl.OpenSslSessionContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import jp.securetoken.api.CredentialSource;
import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.SecureToken;
import jp.securetoken.testsupport.InstrumentedKey;
import org.junit.jupiter.api.Test;

/**
 * The native stack (BoringSSL through netty-tcnative) as such: it really runs here, signs through
 * the token, resumes TLS 1.2 with no token signature on either side, and steps back to the JDK
 * stack, saying why, where it cannot serve.
 */
class NativeStackTest extends LoopbackNodesTest {

    @Test
    void theNativeStackRunsHereAndEveryFullHandshakeSignsOnceOnEachToken() throws Exception {
        SecureToken gateway = nodes.node("gateway", KeyAlgorithm.RSA_2048, pki, i -> i.serverAuth().clientAuth());
        SecureToken clinic = nodes.node("clinic-001", KeyAlgorithm.EC_P256, pki, i -> i.clientAuth());
        InstrumentedKey gatewayKey = InstrumentedKey.counting(gateway.credential(TestNodes.ALIAS).key());
        InstrumentedKey clinicKey = InstrumentedKey.counting(clinic.credential(TestNodes.ALIAS).key());
        NodeTlsContext server = nodes.track(NodeTls.server(gatewayKey.source(gateway.credential(TestNodes.ALIAS)))
                .trustPolicy(trust).stack(TlsStack.OPENSSL).build());
        NodeTlsContext client = nodes.track(NodeTls.client(clinicKey.source(clinic.credential(TestNodes.ALIAS)))
                .trustPolicy(trust).stack(TlsStack.OPENSSL).build());
        assertEquals(TlsStack.OPENSSL, server.stack());
        assertEquals(TlsStack.OPENSSL, client.stack());
        assertInstanceOf(OpenSslSessionContext.class, server.sslContext().sessionContext());

        Peers.Server echo = peers.echoServer(server);
        for (int i = 0; i < 2; i++) {
            Peers.Client c = peers.connect(client, echo.port());
            assertEquals("TLSv1.3", c.awaitAuthenticated().protocol());
            assertInstanceOf(NodeAuthenticatedEvent.class, echo.nextEvent());
            assertEquals("over boringssl", c.echo("over boringssl"));
            // a new client context per connection: no session to resume, so both tokens sign again
            client = nodes.track(NodeTls.client(clinicKey.source(clinic.credential(TestNodes.ALIAS)))
                    .trustPolicy(trust).stack(TlsStack.OPENSSL).build());
        }
        assertEquals(2, gatewayKey.signatures());
        assertEquals(2, clinicKey.signatures());
    }

    @Test
    void aPkcs1OnlyTokenIsServedByTheJdkStackOnTls12() throws Exception {
        SecureToken card = nodes.node("clinic-card", KeyAlgorithm.RSA_2048, pki, i -> i.clientAuth());
        InstrumentedKey pkcs1Only = InstrumentedKey.pkcs1Only(card.credential(TestNodes.ALIAS).key());
        NodeTlsContext client = nodes.track(NodeTls.client(pkcs1Only.source(card.credential(TestNodes.ALIAS)))
                .trustPolicy(trust).stack(TlsStack.OPENSSL).build());
        assertEquals(TlsStack.JDK, client.stack());
        assertEquals(List.of("TLSv1.2"), client.protocols());
    }

    /** The native gateway resumes a PKCS#1-only clinic's TLS 1.2 session; a native clinic resumes at a TLS 1.2 gateway. */
    @Test
    void theNativeStackResumesTls12AsServerAndAsClientWithoutTokenSignatures() throws Exception {
        SecureToken gateway = nodes.node("gateway", KeyAlgorithm.RSA_2048, pki, i -> i.serverAuth().clientAuth());
        SecureToken clinic = nodes.node("clinic-001", KeyAlgorithm.RSA_2048, pki, i -> i.clientAuth());
        InstrumentedKey nativeGatewayKey = InstrumentedKey.counting(gateway.credential(TestNodes.ALIAS).key());
        InstrumentedKey cardKey = InstrumentedKey.pkcs1Only(clinic.credential(TestNodes.ALIAS).key());
        Peers.Server nativeGateway = peers.echoServer(nodes.track(NodeTls.server(
                nativeGatewayKey.source(gateway.credential(TestNodes.ALIAS))).trustPolicy(trust)
                .stack(TlsStack.OPENSSL).build()));
        NodeTlsContext cardClient = nodes.track(NodeTls.client(cardKey.source(clinic.credential(TestNodes.ALIAS)))
                .trustPolicy(trust).build());
        reconnect(cardClient, nativeGateway, 6);
        assertEquals(1, nativeGatewayKey.signatures(), "native gateway signatures over 6 TLS 1.2 connections");

        InstrumentedKey nativeClinicKey = InstrumentedKey.counting(clinic.credential(TestNodes.ALIAS).key());
        InstrumentedKey tls12GatewayKey = InstrumentedKey.pkcs1Only(gateway.credential(TestNodes.ALIAS).key());
        Peers.Server tls12Gateway = peers.echoServer(nodes.track(NodeTls.server(
                tls12GatewayKey.source(gateway.credential(TestNodes.ALIAS))).trustPolicy(trust).build()));
        NodeTlsContext nativeClient = nodes.track(NodeTls.client(nativeClinicKey.source(
                clinic.credential(TestNodes.ALIAS))).trustPolicy(trust).stack(TlsStack.OPENSSL).build());
        reconnect(nativeClient, tls12Gateway, 6);
        assertEquals(1, nativeClinicKey.signatures(), "native clinic signatures over 6 TLS 1.2 connections");
    }

    private void reconnect(NodeTlsContext client, Peers.Server server, int times) throws Exception {
        for (int i = 0; i < times; i++) {
            Peers.Client c = peers.connect(client, server.port());
            assertEquals("TLSv1.2", c.awaitAuthenticated().protocol());
            assertInstanceOf(NodeAuthenticatedEvent.class, server.nextEvent());
            assertEquals("again " + i, c.echo("again " + i));
            c.channel.close().sync();
        }
    }

    /** Another OS or architecture is simulated by Netty's own switch that keeps the native library from loading. */
    @Test
    void whereTheNativeLibraryCannotLoadTheJdkStackServesAndTheLogSaysWhy() throws Exception {
        Path out = dir.resolve("probe.out");
        Process probe = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dio.netty.handler.ssl.noOpenSsl=true", "-cp", System.getProperty("java.class.path"),
                NativeFallbackProbe.class.getName(), dir.toString())
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        assertTrue(probe.waitFor(60, TimeUnit.SECONDS), "the probe finished");
        String output = Files.readString(out, StandardCharsets.UTF_8);
        assertEquals(0, probe.exitValue(), output);
        assertTrue(output.contains("stack=JDK"), output);
        assertTrue(output.contains("Using the JDK TLS stack: the native TLS library"), output);
        assertTrue(output.contains("does not load on " + System.getProperty("os.name")), output);
    }
}
