package jp.securetoken.tls;

/**
 * Fired down the pipeline (as a user event) once the peer is authenticated.
 *
 * @param identity the authenticated peer
 */
public record NodeAuthenticatedEvent(NodeIdentity identity) {
}
