package jp.securetoken.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import jp.securetoken.api.CredentialSource;
import jp.securetoken.api.CredentialUsage;
import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.TokenKey;
import jp.securetoken.testsupport.InstrumentedKey;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class RotationAndResumptionTest extends LoopbackNodesTest {
    private NodeTlsContext newClinicContext(SecureToken clinic, TlsStack stack) throws Exception {
        return nodes.track(NodeTls.client(CredentialSource.of(clinic, TestNodes.ALIAS)).trustPolicy(trust)
                .stack(stack).build());
    }

    @ParameterizedTest
    @EnumSource(TlsStack.class)
    void aRenewedCredentialServesNewHandshakesWhileOldConnectionsCarryOn(TlsStack stack) throws Exception {
        SecureToken gateway = nodes.node("gateway", KeyAlgorithm.EC_P256, pki, i -> i.serverAuth().clientAuth());
        SecureToken clinic = nodes.node("clinic-001", KeyAlgorithm.EC_P256, pki, i -> i.clientAuth());
        Peers.Server server = peers.echoServer(nodes.track(NodeTls.server(CredentialSource.of(gateway, TestNodes.ALIAS))
                .trustPolicy(trust).stack(stack).build()));

        Peers.Client before = peers.connect(newClinicContext(clinic, stack), server.port());
        NodeIdentity oldGateway = before.awaitAuthenticated();

        TokenKey renewed = gateway.lifecycle().generateKeyPair(TestNodes.ALIAS, KeyAlgorithm.EC_P256);
        gateway.lifecycle().writeCredential(TestNodes.ALIAS,
                pki.issue("gateway").serverAuth().clientAuth().certifyChain(renewed.publicKey()),
                CredentialUsage.NODE_AUTHENTICATION);

        assertEquals("still here", before.echo("still here"));
        NodeIdentity newGateway = peers.connect(newClinicContext(clinic, stack), server.port()).awaitAuthenticated();

        assertNotEquals(oldGateway.certificate().getSerialNumber(), newGateway.certificate().getSerialNumber());
        assertEquals(gateway.credential(TestNodes.ALIAS).certificate(), newGateway.certificate());
        assertEquals(renewed.publicKey(), newGateway.certificate().getPublicKey());
        assertEquals("and still", before.echo("and still"));
    }

    @ParameterizedTest
    @EnumSource(TlsStack.class)
    void reconnectingPeersResumeTls12WithoutNewTokenSignatures(TlsStack stack) throws Exception {
        assertOneSignatureEachOverReconnects(stack, true);
    }

    /** BCJSSE 1.84 does not resume TLS 1.3 sessions (bc-java issue 946); the JDK and BoringSSL do, with tickets. */
    @ParameterizedTest
    @EnumSource(value = TlsStack.class, names = {"JDK", "OPENSSL"})
    void reconnectingPeersResumeTls13WithoutNewTokenSignatures(TlsStack stack) throws Exception {
        assertOneSignatureEachOverReconnects(stack, false);
    }

    private void assertOneSignatureEachOverReconnects(TlsStack stack, boolean tls12) throws Exception {
        KeyAlgorithm algorithm = tls12 ? KeyAlgorithm.RSA_2048 : KeyAlgorithm.EC_P256;
        SecureToken gateway = nodes.node("gateway", algorithm, pki, i -> i.serverAuth().clientAuth());
        SecureToken clinic = nodes.node("clinic-001", algorithm, pki, i -> i.clientAuth());
        TokenKey gatewayReal = gateway.credential(TestNodes.ALIAS).key();
        TokenKey clinicReal = clinic.credential(TestNodes.ALIAS).key();
        InstrumentedKey gatewayKey = tls12 ? InstrumentedKey.pkcs1Only(gatewayReal) : InstrumentedKey.counting(gatewayReal);
        InstrumentedKey clinicKey = tls12 ? InstrumentedKey.pkcs1Only(clinicReal) : InstrumentedKey.counting(clinicReal);
        Peers.Server server = peers.echoServer(nodes.track(NodeTls.server(
                gatewayKey.source(gateway.credential(TestNodes.ALIAS))).trustPolicy(trust).stack(stack).build()));
        NodeTlsContext client = nodes.track(NodeTls.client(clinicKey.source(clinic.credential(TestNodes.ALIAS)))
                .trustPolicy(trust).stack(stack).build());

        int reconnects = 6;
        for (int i = 0; i < reconnects; i++) {
            Peers.Client c = peers.connect(client, server.port());
            assertEquals("clinic-001", assertInstanceOf(NodeAuthenticatedEvent.class, server.nextEvent())
                    .identity().nodeId());
            assertEquals(tls12 ? "TLSv1.2" : "TLSv1.3", c.awaitAuthenticated().protocol());
            assertEquals("ping " + i, c.echo("ping " + i));
            c.channel.close().sync();
        }

        assertEquals(1, gatewayKey.signatures(), "gateway token signatures over " + reconnects + " connections");
        assertEquals(1, clinicKey.signatures(), "clinic token signatures over " + reconnects + " connections");
    }
}
