package jp.securetoken.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.Channel;
import java.security.cert.X509Certificate;

import jp.securetoken.api.CredentialSource;
import jp.securetoken.api.SecureToken;
import jp.securetoken.lifecycle.node.CredentialRenewer;
import jp.securetoken.tls.NodeTls;
import jp.securetoken.tls.NodeTlsContext;
import jp.securetoken.tls.TlsStack;
import jp.securetoken.tls.trust.TrustPolicy;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The renewer attached to a NodeTls client (a clinic that connects to its gateway): the clinic's
 * credential is renewed while one of its connections stays open; that connection carries on, and
 * the clinic's next handshake, on the same client context, presents the new certificate to the
 * gateway, which records the certificate each connection authenticated with.
 */
class ClientRenewalTest extends WithIssuingServer {

    @ParameterizedTest
    @EnumSource(TlsStack.class)
    void theRenewedClientsNextHandshakePresentsTheNewCertificateWhileItsOpenConnectionCarriesOn(TlsStack stack)
            throws Exception {
        IssuerFixture.MovableClock clock = new IssuerFixture.MovableClock();
        StepScheduler steps = new StepScheduler(clock);
        LoopbackEcho.PeersSeen seen = new LoopbackEcho.PeersSeen();
        TrustPolicy trust = TrustPolicy.builder().trustAnchors(anchor).build();
        try (LoopbackEcho peers = new LoopbackEcho();
                SecureToken gateway = enrolled("gateway-" + stack);
                SecureToken clinic = enrolled("clinic-" + stack);
                CredentialRenewer renewer = CredentialRenewer.builder(clinic, "node").clock(clock).scheduler(steps)
                        .start();
                NodeTlsContext gatewayTls = NodeTls.server(CredentialSource.of(gateway, "node")).trustPolicy(trust)
                        .stack(stack).listener(seen).build();
                NodeTlsContext clinicTls = renewer.attach(NodeTls.client(renewer.source()).trustPolicy(trust)
                        .stack(stack).build())) {
            Channel listener = peers.echoServer(gatewayTls);
            int port = LoopbackEcho.port(listener);
            try {
                X509Certificate before = clinic.credential("node").certificate();
                LoopbackEcho.Connection open = peers.connect(clinicTls, port);
                assertEquals("ping-1", open.echo("ping-1"));
                assertEquals(before, seen.certificateOf(open), "the gateway authenticated the clinic's certificate");
                LoopbackEcho.Connection again = peers.connect(clinicTls, port); // a session to resume is cached
                assertEquals("ping-1b", again.echo("ping-1b"));
                assertEquals(before, seen.certificateOf(again));
                again.close();

                steps.runNext(); // the renewal point of the clinic's certificate has come

                X509Certificate after = clinic.credential("node").certificate();
                assertNotEquals(before.getSerialNumber(), after.getSerialNumber());
                assertNotEquals(before.getPublicKey(), after.getPublicKey(), "a new key pair by default");
                assertEquals("ping-2", open.echo("ping-2"), "the open connection carries on across the swap");

                LoopbackEcho.Connection next = peers.connect(clinicTls, port);
                assertEquals("ping-3", next.echo("ping-3"));
                assertEquals(after, seen.certificateOf(next), "the next handshake presents the new certificate");
                assertEquals("ping-4", open.echo("ping-4"));
                assertTrue(open.channel.isActive());
                assertEquals(1, steps.size(), "the next renewal is scheduled from the new certificate");
                next.close();
                open.close();
            } finally {
                listener.close().sync();
            }
        }
    }
}
