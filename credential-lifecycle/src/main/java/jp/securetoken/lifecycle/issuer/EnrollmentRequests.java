package jp.securetoken.lifecycle.issuer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Base64;

import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.pkcs.Attribute;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

/**
 * Checks an EST request body before anything is issued: a base64 PKCS#10 request, signed by the
 * key it carries (proof of possession), with a key the profile accepts, and (RFC 7030 §3.5) a
 * challengePassword holding this TLS connection's channel binding, so the request cannot be
 * replayed on another connection.
 */
final class EnrollmentRequests {

    /** The connection's channel binding, read only when a request carries one to compare. */
    @FunctionalInterface
    interface ChannelBinding {
        /** The binding; throws when this connection cannot give it. */
        byte[] value() throws EnrollmentRefusedException;
    }

    private EnrollmentRequests() {
    }

    /** The request in an EST body (base64, line breaks allowed). */
    static JcaPKCS10CertificationRequest parse(byte[] body) throws EnrollmentRefusedException {
        try {
            String text = new String(body, StandardCharsets.US_ASCII).replaceAll("\\s", "");
            if (text.startsWith("-----BEGIN")) {
                text = text.replaceAll("-----[A-Z ]+-----", "");
            }
            return new JcaPKCS10CertificationRequest(Base64.getDecoder().decode(text));
        } catch (IOException | IllegalArgumentException | ClassCastException e) {
            throw new EnrollmentRefusedException(EnrollmentRefusal.MALFORMED_REQUEST);
        }
    }

    /** The request's public key, after its signature and strength are checked. */
    static PublicKey verifiedKey(JcaPKCS10CertificationRequest csr, CertificateProfile profile)
            throws EnrollmentRefusedException {
        PublicKey key;
        try {
            key = csr.getPublicKey();
        } catch (java.security.GeneralSecurityException | RuntimeException e) {
            throw new EnrollmentRefusedException(EnrollmentRefusal.WEAK_KEY, "the key cannot be read");
        }
        requireStrong(csr, key, profile);
        try {
            if (!csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(key))) {
                throw new EnrollmentRefusedException(EnrollmentRefusal.BAD_SIGNATURE);
            }
        } catch (OperatorCreationException | PKCSException e) {
            throw new EnrollmentRefusedException(EnrollmentRefusal.BAD_SIGNATURE);
        }
        return key;
    }

    private static void requireStrong(JcaPKCS10CertificationRequest csr, PublicKey key, CertificateProfile profile)
            throws EnrollmentRefusedException {
        if (key instanceof RSAPublicKey rsa) {
            int bits = rsa.getModulus().bitLength();
            if (bits < profile.minRsaBits()) {
                throw new EnrollmentRefusedException(EnrollmentRefusal.WEAK_KEY, "RSA " + bits + " bits, at least "
                        + profile.minRsaBits() + " required");
            }
            return;
        }
        var algorithm = csr.getSubjectPublicKeyInfo().getAlgorithm();
        if (algorithm.getAlgorithm().equals(X9ObjectIdentifiers.id_ecPublicKey)
                && algorithm.getParameters() instanceof ASN1ObjectIdentifier curve) {
            for (String allowed : profile.allowedCurves()) {
                if (curve.equals(ECNamedCurveTable.getOID(allowed))) {
                    return;
                }
            }
            String name = ECNamedCurveTable.getName(curve);
            throw new EnrollmentRefusedException(EnrollmentRefusal.WEAK_KEY, "EC curve "
                    + (name == null ? curve.getId() : name) + " is not one of " + profile.allowedCurves());
        }
        throw new EnrollmentRefusedException(EnrollmentRefusal.WEAK_KEY, "only RSA and named-curve EC keys are accepted");
    }

    /**
     * Checks the request's challengePassword against this connection's channel binding. Without
     * the attribute the request passes only when {@code required} is false.
     */
    static void checkChannelBinding(JcaPKCS10CertificationRequest csr, ChannelBinding connection, boolean required)
            throws EnrollmentRefusedException {
        Attribute[] attributes = csr.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_challengePassword);
        if (attributes.length == 0) {
            if (required) {
                throw new EnrollmentRefusedException(EnrollmentRefusal.CHANNEL_BINDING_MISSING);
            }
            return;
        }
        byte[] binding = connection.value();
        if (binding == null || attributes.length != 1 || attributes[0].getAttrValues().size() != 1
                || !(attributes[0].getAttrValues().getObjectAt(0) instanceof ASN1String value)) {
            throw new EnrollmentRefusedException(EnrollmentRefusal.CHANNEL_BINDING_MISMATCH);
        }
        byte[] expected = Base64.getEncoder().encodeToString(binding).getBytes(StandardCharsets.US_ASCII);
        byte[] given = value.getString().getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(expected, given)) {
            throw new EnrollmentRefusedException(EnrollmentRefusal.CHANNEL_BINDING_MISMATCH);
        }
    }
}
