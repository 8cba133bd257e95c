package jp.securetoken.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import jp.securetoken.api.CredentialSource;
import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.LoginRequiredException;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.TokenClosedException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A token that fails during the handshake makes the handshake fail with the token's typed error
 * ({@code TOKEN_ERROR}, {@link NodeAuthenticationFailedEvent#tokenError()}), whether it fails when
 * the credential is chosen (closed) or when it signs (logged out) — not with an alert from a peer
 * that got no certificate.
 */
class TokenErrorHandshakeTest extends LoopbackNodesTest {

    /** Builds both sides, breaks the clinic's token as {@code fault} says, then connects. */
    private Object handshakeAfter(TlsStack stack, java.util.function.Consumer<SecureToken> fault) throws Exception {
        SecureToken gatewayToken = nodes.node("gateway", KeyAlgorithm.EC_P256, pki, i -> i.serverAuth());
        SecureToken clinicToken = nodes.node("clinic-001", KeyAlgorithm.EC_P256, pki, i -> i.clientAuth());
        NodeTlsContext gateway = nodes.track(NodeTls.server(CredentialSource.of(gatewayToken, TestNodes.ALIAS))
                .trustPolicy(trust).stack(stack).build());
        NodeTlsContext clinic = nodes.track(NodeTls.client(CredentialSource.of(clinicToken, TestNodes.ALIAS))
                .trustPolicy(trust).stack(stack).build());
        Peers.Server server = peers.echoServer(gateway);
        fault.accept(clinicToken);
        return peers.connect(clinic, server.port()).awaitOutcome();
    }

    @ParameterizedTest
    @EnumSource(TlsStack.class)
    void aClientTokenClosedBeforeTheHandshakeFailsItAsATokenError(TlsStack stack) throws Exception {
        NodeAuthenticationFailedEvent failed = assertInstanceOf(NodeAuthenticationFailedEvent.class,
                handshakeAfter(stack, SecureToken::close));
        assertEquals(NodeAuthenticationFailedEvent.Kind.TOKEN_ERROR, failed.kind(), failed::toString);
        assertInstanceOf(TokenClosedException.class, failed.tokenError().orElseThrow());
    }

    @ParameterizedTest
    @EnumSource(TlsStack.class)
    void aClientTokenLoggedOutBeforeItSignsFailsTheHandshakeAsATokenError(TlsStack stack) throws Exception {
        NodeAuthenticationFailedEvent failed = assertInstanceOf(NodeAuthenticationFailedEvent.class,
                handshakeAfter(stack, token -> {
                    try {
                        token.logout();
                    } catch (jp.securetoken.api.TokenException e) {
                        throw new IllegalStateException(e);
                    }
                }));
        assertEquals(NodeAuthenticationFailedEvent.Kind.TOKEN_ERROR, failed.kind(), failed::toString);
        assertInstanceOf(LoginRequiredException.class, failed.tokenError().orElseThrow());
    }
}
