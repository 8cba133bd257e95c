package jp.securetoken.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.Channel;
import java.util.List;
import java.util.Optional;

import jp.securetoken.api.CredentialSource;
import jp.securetoken.api.SecureToken;
import jp.securetoken.lifecycle.issuer.EstServer;
import jp.securetoken.tls.NodeAuthenticationFailedEvent;
import jp.securetoken.tls.NodeTls;
import jp.securetoken.tls.NodeTlsContext;
import jp.securetoken.tls.trust.CrlCache;
import jp.securetoken.tls.trust.RejectionReason;
import jp.securetoken.tls.trust.Revocation;
import jp.securetoken.tls.trust.TrustPolicy;
import org.junit.jupiter.api.Test;

/**
 * A revocation reaches the nodes through the CRL distribution point the issuing server writes into
 * every certificate: a gateway whose trust policy keeps the distribution points its peers name
 * current (plain http, as RFC 5280 checkers fetch) refuses a clinic the operator revoked, as
 * REVOKED, and still admits another clinic of the same CA.
 */
class PublishedRevocationTest extends WithIssuingServer {

    @Test
    void aGatewayFetchingTheNamedDistributionPointRefusesTheRevokedClinicOnly() throws Exception {
        LoopbackEcho.PeersSeen seen = new LoopbackEcho.PeersSeen();
        try (EstServer issuing = EstServer.builder(caToken, state).connectionLimits(IssuerFixture.LOOPBACK).crlPort(0).start();
                SecureToken gateway = enrolledAt(issuing, "gateway-crl", List.of());
                SecureToken lost = enrolledAt(issuing, "clinic-lost-token", List.of());
                SecureToken kept = enrolledAt(issuing, "clinic-kept-token", List.of());
                LoopbackEcho peers = new LoopbackEcho()) {
            assertTrue(issuing.crlDistributionPoint().orElseThrow().getScheme().equals("http"));
            assertTrue(state.revoke(lost.credential("node").certificate().getSerialNumber(), "token lost"));

            CrlCache crls = CrlCache.builder().fromCertificates(true).issuers(anchor).build();
            TrustPolicy gatewayTrust = TrustPolicy.builder().trustAnchors(anchor)
                    .revocation(Revocation.hardFail().withCrlSource(crls).preferringCrls()).build();
            TrustPolicy clinicTrust = TrustPolicy.builder().trustAnchors(anchor).build();
            try (crls; NodeTlsContext gatewayTls = NodeTls.server(CredentialSource.of(gateway, "node"))
                    .trustPolicy(gatewayTrust).listener(seen).build();
                    NodeTlsContext lostTls = NodeTls.client(CredentialSource.of(lost, "node")).trustPolicy(clinicTrust)
                            .build();
                    NodeTlsContext keptTls = NodeTls.client(CredentialSource.of(kept, "node")).trustPolicy(clinicTrust)
                            .build()) {
                Channel listener = peers.echoServer(gatewayTls);
                try {
                    int port = LoopbackEcho.port(listener);
                    NodeAuthenticationFailedEvent refused = seen.refusalOf(peers.connect(lostTls, port));
                    assertEquals(NodeAuthenticationFailedEvent.Kind.PEER_REJECTED, refused.kind(), refused.message());
                    assertEquals(Optional.of(RejectionReason.REVOKED), refused.rejection(), refused.message());

                    LoopbackEcho.Connection admitted = peers.connect(keptTls, port);
                    assertEquals("hello", admitted.echo("hello"));
                    assertEquals(kept.credential("node").certificate(), seen.certificateOf(admitted));
                    assertTrue(crls.status(issuing.crlDistributionPoint().orElseThrow()).isPresent(),
                            "the gateway fetched the distribution point the certificates name: " + crls.status());
                    admitted.close();
                } finally {
                    listener.close().sync();
                }
            }
        }
    }
}
