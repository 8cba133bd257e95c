package jp.securetoken.pkcs11;

import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.List;

import jp.securetoken.api.CredentialMismatchException;

/** Checks on a certificate chain before it is written to a token. */
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

    /** The chain must end at, or be issued by, one of {@code anchors} when the token holds any. */
    static void requireAnchored(List<X509Certificate> chain, List<X509Certificate> anchors)
            throws CredentialMismatchException {
        if (anchors.isEmpty()) {
            return;
        }
        X509Certificate last = chain.get(chain.size() - 1);
        for (X509Certificate anchor : anchors) {
            if (last.equals(anchor) || last.getIssuerX500Principal().equals(anchor.getSubjectX500Principal())
                    && signedBy(last, anchor)) {
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
