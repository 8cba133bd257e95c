package jp.securetoken.api;

/** What a credential is for. A node-authentication key is not used to sign documents, and the other way round. */
public enum CredentialUsage {
    /** Mutual TLS between nodes, and challenge signing (JPKI user authentication). */
    NODE_AUTHENTICATION,
    /** Signing documents (JPKI signature certificate, HPKI). */
    DOCUMENT_SIGNING
}
