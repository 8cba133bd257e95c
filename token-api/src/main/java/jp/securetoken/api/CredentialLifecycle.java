package jp.securetoken.api;

import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.function.Function;
import javax.security.auth.x500.X500Principal;

/**
 * Issuing and renewing a token's credentials (JAHIS lifecycle capabilities): generate a key pair
 * in the token, make a PKCS#10 request for it, then write the certificate chain the CA issued.
 * Until the chain is written, the old credential under the same alias stays in use.
 */
public interface CredentialLifecycle {

    /**
     * Generates a key pair inside the token and keeps it as the pending key of {@code alias}. A
     * previous pending key of that alias is discarded. Needs login.
     *
     * @throws CapabilityNotSupportedException without {@link JahisCapability#KEY_GENERATION}
     */
    TokenKey generateKeyPair(String alias, KeyAlgorithm algorithm) throws TokenException;

    /**
     * A DER PKCS#10 request for the pending key of {@code alias} (or, when none is pending, for the
     * current credential's key), signed by that key inside the token. Needs login.
     */
    byte[] createCertificationRequest(String alias, X500Principal subject) throws TokenException;

    /**
     * Writes the chain (entity certificate first) as the credential {@code alias}, replacing the
     * old one atomically. The entity certificate must carry the pending key or the current key of
     * that alias. Needs login.
     *
     * @throws CredentialMismatchException when the certificate's key is not the token's key or the chain does not chain
     */
    Credential writeCredential(String alias, List<X509Certificate> chain, CredentialUsage usage) throws TokenException;

    /**
     * The issuer anchors the token holds (JAHIS 7.2.3 c, issuing-server authentication): a chain
     * written later must lead to one of them, and an enrollment client must authenticate the
     * issuing server against them. Empty when the token holds none.
     */
    default List<X509Certificate> issuerAnchors() throws TokenException {
        return List.of();
    }

    /**
     * Records {@code anchor} as the token's issuer anchor at its first enrollment. When the token
     * already holds anchors, {@code anchor} must be one of them: a token is not moved to another
     * issuer by a credential write. Needs login.
     *
     * @throws CredentialMismatchException when the token holds other anchors
     * @throws CapabilityNotSupportedException when the token cannot keep an anchor
     */
    default void recordIssuerAnchor(X509Certificate anchor) throws TokenException {
        throw new CapabilityNotSupportedException(JahisCapability.ISSUING_SERVER_AUTHENTICATION, "this token",
                "it cannot keep an issuer anchor");
    }

    /** Deletes the credential and its key; returns whether it existed. Needs login. */
    boolean deleteCredential(String alias) throws TokenException;

    /**
     * Issues a credential in one step where the issuer is at hand (an on-site issuing service, a
     * test CA): generates the key pair in the token, has {@code issuer} certify its public key
     * (returning the chain, entity certificate first), and writes the chain. With a remote CA, use
     * {@link #createCertificationRequest} and {@link #writeCredential} instead. Needs login.
     */
    default Credential enroll(String alias, KeyAlgorithm algorithm, CredentialUsage usage,
            Function<PublicKey, List<X509Certificate>> issuer) throws TokenException {
        TokenKey key = generateKeyPair(alias, algorithm);
        return writeCredential(alias, issuer.apply(key.publicKey()), usage);
    }
}
