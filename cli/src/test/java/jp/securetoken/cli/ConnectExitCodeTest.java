package jp.securetoken.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import jp.securetoken.api.LoginRequiredException;
import jp.securetoken.api.TokenRemovedException;
import jp.securetoken.tls.NodeAuthenticationFailedEvent;
import jp.securetoken.tls.NodeAuthenticationFailedEvent.Kind;
import jp.securetoken.tls.trust.RejectionReason;
import org.junit.jupiter.api.Test;

/**
 * The exit code {@code connect} gives a failed handshake, from the event the library reports. (A card
 * pulled mid-handshake through pcscd is tested in token-jpki; here, what {@code connect} makes of it.)
 */
class ConnectExitCodeTest {

    private static int exitOf(NodeAuthenticationFailedEvent failed) {
        return ConnectCommand.refused(failed).exitCode().code();
    }

    @Test
    void aCardRemovedDuringTheHandshakeIsTokenAbsent() {
        assertEquals(4, exitOf(new NodeAuthenticationFailedEvent(Kind.TOKEN_ERROR, Optional.empty(), "removed",
                Optional.of(new TokenRemovedException("JPKI card", new java.io.IOException("card gone"))))));
    }

    @Test
    void aTokenThatCannotAuthenticateUsIsAnAuthenticationFailure() {
        assertEquals(3, exitOf(new NodeAuthenticationFailedEvent(Kind.TOKEN_ERROR, Optional.empty(), "logged out",
                Optional.of(new LoginRequiredException("signing")))));
        assertEquals(3, exitOf(new NodeAuthenticationFailedEvent(Kind.TOKEN_ERROR, Optional.empty(), "no detail")));
    }

    @Test
    void aRefusalEitherWayIsPeerRejected() {
        assertEquals(5, exitOf(new NodeAuthenticationFailedEvent(Kind.PEER_REJECTED,
                Optional.of(RejectionReason.CA_NOT_PINNED), "not pinned")));
        assertEquals(5, exitOf(new NodeAuthenticationFailedEvent(Kind.PEER_REFUSED_US, Optional.empty(), "alert")));
        assertEquals(1, exitOf(new NodeAuthenticationFailedEvent(Kind.OTHER, Optional.empty(), "closed")));
    }
}
