package jp.securetoken.api;

import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * The checks every token makes on a certificate chain before it writes it as a credential: the
 * chain links up, and, when the token holds issuer anchors (JAHIS issuing-server authentication),
 * it leads to one of them. Kept here once so that every token refuses the same chains.
 */
public final class CredentialChains {

    private CredentialChains() {
    }

    /** Each certificate must name the next as issuer and be signed by its key. */
    public static void requireLinked(List<X509Certificate> chain) throws CredentialMismatchException {
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
     * With issuer anchors held ({@code anchors} not empty), the chain's last certificate must be an
     * anchor or be signed by one; otherwise issuing-server authentication fails. No anchors: no
     * check (the token was never bound to an issuer).
     */
    public static void requireAnchored(List<X509Certificate> chain, List<X509Certificate> anchors)
            throws CredentialMismatchException {
        if (anchors.isEmpty()) {
            return;
        }
        X509Certificate last = chain.get(chain.size() - 1);
        for (X509Certificate anchor : anchors) {
            if (last.equals(anchor)
                    || last.getIssuerX500Principal().equals(anchor.getSubjectX500Principal()) && signedBy(last, anchor)) {
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
