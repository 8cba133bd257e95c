package jp.securetoken.soft;

import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;

import jp.securetoken.api.CredentialMismatchException;

/** Checks on a certificate chain before the token stores it. */
final class Chains {
    private Chains() {
    }

    /** Each certificate must name the next as issuer and be signed by its key. */
    static void requireLinked(List<X509Certificate> chain) throws CredentialMismatchException {
        for (int i = 0; i + 1 < chain.size(); i++) {
            X509Certificate cert = chain.get(i);
            X509Certificate issuer = chain.get(i + 1);
            if (!cert.getIssuerX500Principal().equals(issuer.getSubjectX500Principal()) || !signedBy(cert, issuer)) {
                throw new CredentialMismatchException("certificate " + i + " of the chain is not issued by certificate "
                        + (i + 1));
            }
        }
    }

    /**
     * With issuer trust anchors configured, the chain's last certificate must be an anchor or be
     * signed by one (the software token's issuing-server authentication).
     */
    static void requireAnchored(List<X509Certificate> chain, List<X509Certificate> anchors)
            throws CredentialMismatchException {
        if (anchors.isEmpty()) {
            return;
        }
        X509Certificate last = chain.get(chain.size() - 1);
        for (X509Certificate anchor : anchors) {
            if (Arrays.equals(SoftToken.encoded(last), SoftToken.encoded(anchor))) {
                return;
            }
            if (last.getIssuerX500Principal().equals(anchor.getSubjectX500Principal()) && signedBy(last, anchor)) {
                return;
            }
        }
        throw new CredentialMismatchException("the chain does not lead to an issuer this token trusts"
                + " (issuing-server authentication failed)");
    }

    private static boolean signedBy(X509Certificate cert, X509Certificate issuer) {
        try {
            cert.verify(issuer.getPublicKey());
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
