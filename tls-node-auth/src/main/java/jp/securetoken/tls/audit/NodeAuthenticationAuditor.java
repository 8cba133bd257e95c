package jp.securetoken.tls.audit;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Clock;
import java.util.Optional;
import jp.securetoken.tls.NodeAuthenticationFailedEvent;
import jp.securetoken.tls.NodeAuthenticationListener;
import jp.securetoken.tls.NodeIdentity;

/**
 * Records every handshake outcome in an {@link AuditSink}: a DICOM Security Alert (110113) of type
 * Node Authentication (110126), outcome success or minor failure with the rejection reason. Give it
 * to {@code NodeTlsBuilder.listener(...)}.
 */
public final class NodeAuthenticationAuditor implements NodeAuthenticationListener {
    private final AuditSink sink;
    private final Clock clock;

    public NodeAuthenticationAuditor(AuditSink sink, Clock clock) {
        this.sink = sink;
        this.clock = clock;
    }

    @Override
    public void authenticated(NodeIdentity peer, SocketAddress remote) {
        sink.record(new AuditEvent(AuditEvent.Kind.NODE_AUTHENTICATION, AuditEvent.Outcome.SUCCESS, clock.instant(),
                Optional.of(peer.nodeId()), address(remote), peer.protocol() + " " + peer.cipherSuite()));
    }

    @Override
    public void failed(NodeAuthenticationFailedEvent failure, SocketAddress remote) {
        String detail = failure.rejection().map(r -> r.name() + ": ").orElse(failure.kind().name() + ": ")
                + failure.message();
        sink.record(new AuditEvent(AuditEvent.Kind.NODE_AUTHENTICATION, AuditEvent.Outcome.MINOR_FAILURE,
                clock.instant(), Optional.empty(), address(remote), detail));
    }

    private static Optional<String> address(SocketAddress remote) {
        return remote instanceof InetSocketAddress inet ? Optional.of(inet.getAddress().getHostAddress())
                : Optional.ofNullable(remote).map(Object::toString);
    }
}
