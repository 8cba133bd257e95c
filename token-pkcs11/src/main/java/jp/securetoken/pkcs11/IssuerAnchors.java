package jp.securetoken.pkcs11;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import jp.securetoken.api.CredentialMismatchException;
import jp.securetoken.api.TokenCorruptException;
import jp.securetoken.api.TokenException;

/**
 * The token's issuer anchors (JAHIS issuing-server authentication): private X.509 certificate
 * objects labelled {@value #LABEL}. Private objects are created and seen only after login, so a
 * process without the user PIN can neither plant an anchor nor learn which one the token keeps.
 */
final class IssuerAnchors {
    /** The reserved CKA_LABEL of an issuer anchor object. */
    static final String LABEL = "securetoken:issuer-anchor";
    private static final byte[] LABEL_BYTES = LABEL.getBytes(StandardCharsets.UTF_8);

    private final Cryptoki cryptoki;
    private final long session;

    IssuerAnchors(Cryptoki cryptoki, long session) {
        this.cryptoki = cryptoki;
        this.session = session;
    }

    /** The anchors a logged-in session sees (none before login). Only private objects count. */
    List<X509Certificate> read() throws TokenException {
        List<X509Certificate> out = new ArrayList<>();
        for (long h : cryptoki.find(session, Ck.CKO_CERTIFICATE, null)) {
            if (Arrays.equals(LABEL_BYTES, cryptoki.bytes(session, h, Ck.CKA_LABEL))
                    && cryptoki.flag(session, h, Ck.CKA_PRIVATE)) {
                byte[] der = cryptoki.bytes(session, h, Ck.CKA_VALUE);
                try {
                    out.add((X509Certificate) CertificateFactory.getInstance("X.509")
                            .generateCertificate(new ByteArrayInputStream(der == null ? new byte[0] : der)));
                } catch (CertificateException e) {
                    throw new TokenCorruptException("the token's issuer anchor object is not a certificate", e);
                }
            }
        }
        return out;
    }

    /** Records {@code anchor} unless held already; a token that holds another issuer's anchor is not moved. */
    void record(X509Certificate anchor) throws TokenException {
        List<X509Certificate> held = read();
        if (held.contains(anchor)) {
            return;
        }
        if (!held.isEmpty()) {
            throw new CredentialMismatchException("the token's issuer anchor is another CA's ("
                    + held.get(0).getSubjectX500Principal().getName() + "); it is not moved to another issuer by an"
                    + " enrollment");
        }
        cryptoki.createCertificate(session, anchor, LABEL, new byte[0], true);
    }
}
