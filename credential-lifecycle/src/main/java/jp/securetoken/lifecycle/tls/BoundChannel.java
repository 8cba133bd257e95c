package jp.securetoken.lifecycle.tls;

import java.util.List;
import java.security.cert.X509Certificate;

/**
 * What one TLS connection of the EST exchange was, read while its handshake completed: the protocol
 * version, its channel binding (RFC 9266 {@code tls-exporter} on TLS 1.3, RFC 5929 {@code tls-unique}
 * on TLS 1.2) and the peer's authenticated certificate chain (empty when the peer sent none).
 *
 * @param protocol    {@code TLSv1.3} or {@code TLSv1.2}
 * @param bindingType {@code tls-exporter} or {@code tls-unique}
 * @param binding     the binding's value: 32 bytes of exporter output, or the first Finished message's verify_data
 * @param peerChain   the peer's chain, entity certificate first, already validated; empty if none was sent
 */
public record BoundChannel(String protocol, String bindingType, byte[] binding, List<X509Certificate> peerChain) {

    public BoundChannel {
        binding = binding.clone();
        peerChain = List.copyOf(peerChain);
    }

    /** A copy of the binding's value. */
    @Override
    public byte[] binding() {
        return binding.clone();
    }

    /** Protocol and binding type only: the value is what a replayed request would need. */
    @Override
    public String toString() {
        return "BoundChannel[" + protocol + ", " + bindingType + ", peer certificates " + peerChain.size() + "]";
    }
}
