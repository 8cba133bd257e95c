package jp.securetoken.lifecycle.node;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.security.auth.x500.X500Principal;

import jp.securetoken.api.Credential;
import jp.securetoken.api.CredentialMismatchException;
import jp.securetoken.api.CredentialSource;
import jp.securetoken.api.CredentialUsage;
import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.TokenException;
import jp.securetoken.api.TokenKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Enrollment and renewal of one credential of a logged-in token (JAHIS 7.2.3): the issuer anchor
 * kept in the token is checked before any key is generated, the issuing server is authenticated
 * against it, the key pair is generated and the request signed inside the token, and the chain is
 * written in one atomic step, so the old credential serves until the new one is in. The EST
 * server's address is kept in the token's user data ({@code est.ALIAS}) for later renewals.
 */
public final class NodeEnrollment {
    private static final Logger LOG = LoggerFactory.getLogger(NodeEnrollment.class);

    private NodeEnrollment() {
    }

    /** The user data record holding the EST address of {@code alias}. */
    public static String estRecord(String alias) {
        return "est." + alias;
    }

    /**
     * First enrollment with a one-time code. {@code issuerAnchor} may be null when the token holds
     * its anchor already; when both are there they must be the same. Nothing is left in the token
     * when it fails: an anchor mismatch, a server that is down or not the anchor's fail before a key
     * is generated; when the server refuses the request or answers wrongly, the key generated for a
     * new alias is deleted again (for an alias that has a credential, the new key stays pending,
     * unused, until the next key generation for it replaces it).
     */
    public static Credential enroll(SecureToken token, String alias, KeyAlgorithm algorithm, URI est,
            X509Certificate issuerAnchor, char[] code, X500Principal subject) throws TokenException, EnrollmentException {
        X509Certificate anchor = anchor(token, issuerAnchor);
        EstClient client = EstClient.to(est, anchor);
        List<X509Certificate> ca = client.caCertificates(); // authenticates the server before a key is made
        if (ca.stream().noneMatch(anchor::equals)) {
            LOG.warn("The issuing server's cacerts do not list the anchor itself; the anchor still authenticated it");
        }
        boolean newAlias = token.credentials().stream().noneMatch(c -> c.alias().equals(alias));
        TokenKey key = token.lifecycle().generateKeyPair(alias, algorithm);
        X509Certificate issued;
        try {
            issued = client.enroll(key, subject, code);
            requireIssuedBy(issued, anchor);
        } catch (EnrollmentException | TokenException | RuntimeException e) {
            if (newAlias) {
                discardPendingKey(token, alias, e);
            }
            throw e;
        }
        return store(token, alias, issued, anchor, est);
    }

    /** Deletes the key generated for a new alias whose enrollment failed; a failure to do so joins {@code cause}. */
    private static void discardPendingKey(SecureToken token, String alias, Exception cause) {
        try {
            token.lifecycle().deleteCredential(alias);
        } catch (TokenException | RuntimeException e) {
            LOG.warn("The key generated for '{}' could not be deleted after the enrollment failed: {}", alias,
                    e.getMessage());
            cause.addSuppressed(e);
        }
    }

    /**
     * Renews {@code alias} over mutual TLS with its current credential: a new key pair (or, with
     * {@code newKey} false, the current key) certified for the current subject.
     */
    public static Credential renew(SecureToken token, String alias, URI est, X509Certificate issuerAnchor,
            boolean newKey) throws TokenException, EnrollmentException {
        Credential current = token.credential(alias);
        X509Certificate anchor = anchor(token, issuerAnchor);
        URI address = est != null ? est : storedAddress(token, alias);
        EstClient client = EstClient.to(address, anchor);
        client.caCertificates();
        TokenKey key = newKey ? token.lifecycle().generateKeyPair(alias, algorithmOf(current)) : current.key();
        X509Certificate issued = client.reenroll(CredentialSource.of(token, alias), key,
                current.certificate().getSubjectX500Principal());
        return store(token, alias, issued, anchor, address);
    }

    private static KeyAlgorithm algorithmOf(Credential c) {
        if (c.certificate().getPublicKey() instanceof java.security.interfaces.RSAPublicKey rsa) {
            return rsa.getModulus().bitLength() > 2048 ? KeyAlgorithm.RSA_3072 : KeyAlgorithm.RSA_2048;
        }
        if (c.certificate().getPublicKey() instanceof java.security.interfaces.ECPublicKey ec
                && ec.getParams().getCurve().getField().getFieldSize() > 256) {
            return KeyAlgorithm.EC_P384;
        }
        return KeyAlgorithm.EC_P256;
    }

    /** The anchor to use: the token's, which a given one must equal; or the given one at first enrollment. */
    private static X509Certificate anchor(SecureToken token, X509Certificate given)
            throws TokenException, EnrollmentException {
        List<X509Certificate> held = token.lifecycle().issuerAnchors();
        if (held.isEmpty()) {
            if (given == null) {
                throw new EnrollmentException(EnrollmentException.Kind.ANCHOR_MISMATCH, "the token holds no issuer "
                        + "anchor yet: give the issuing CA's certificate", null);
            }
            return given;
        }
        if (given != null && !held.contains(given)) {
            throw new EnrollmentException(EnrollmentException.Kind.ANCHOR_MISMATCH, "the token's issuer anchor is "
                    + held.get(0).getSubjectX500Principal().getName() + ", not the certificate given ("
                    + given.getSubjectX500Principal().getName() + "); nothing was generated or written", null);
        }
        return given != null ? given : held.get(0);
    }

    private static void requireIssuedBy(X509Certificate issued, X509Certificate anchor) throws EnrollmentException {
        try {
            issued.verify(anchor.getPublicKey());
        } catch (java.security.GeneralSecurityException e) {
            throw new EnrollmentException(EnrollmentException.Kind.BAD_RESPONSE, "the issued certificate is not "
                    + "signed by the issuer anchor", e);
        }
    }

    private static Credential store(SecureToken token, String alias, X509Certificate issued, X509Certificate anchor,
            URI est) throws TokenException, EnrollmentException {
        requireIssuedBy(issued, anchor);
        token.lifecycle().recordIssuerAnchor(anchor);
        Credential written;
        try {
            written = token.lifecycle().writeCredential(alias, List.of(issued, anchor),
                    CredentialUsage.NODE_AUTHENTICATION);
        } catch (CredentialMismatchException e) {
            throw new EnrollmentException(EnrollmentException.Kind.BAD_RESPONSE, "the token refused the issued "
                    + "chain: " + e.getMessage(), e);
        }
        if (token.capabilities().supports(jp.securetoken.api.JahisCapability.USER_DATA_STORAGE)) {
            token.userData().write(estRecord(alias), est.toString().getBytes(StandardCharsets.UTF_8));
        }
        LOG.info("Credential '{}' of token {} now {} (serial {}), valid until {}", alias, token.info().label(),
                issued.getSubjectX500Principal().getName(), issued.getSerialNumber().toString(16), issued.getNotAfter());
        return written;
    }

    private static URI storedAddress(SecureToken token, String alias) throws TokenException, EnrollmentException {
        var record = token.userData().read(estRecord(alias));
        if (record.isEmpty()) {
            throw new EnrollmentException(EnrollmentException.Kind.SERVER_UNREACHABLE, "the token keeps no EST address"
                    + " for '" + alias + "': give the issuing server's address", null);
        }
        return URI.create(new String(record.get(), StandardCharsets.UTF_8));
    }
}
