package jp.securetoken.lifecycle.issuer;

import java.time.Duration;
import java.util.Set;

/**
 * What the issuing server puts into every certificate it issues and which keys it accepts: a
 * validity, key usage digitalSignature (and keyEncipherment for RSA), extended key usage
 * clientAuth and serverAuth (node authentication in both roles), the subject alternative names of
 * the invitation; RSA keys of at least {@code minRsaBits}, EC keys only on the named curves.
 *
 * @param validity      how long an issued certificate is valid
 * @param minRsaBits    smallest RSA modulus accepted
 * @param allowedCurves EC curves accepted, by standard name ({@code secp256r1}, {@code secp384r1})
 */
public record CertificateProfile(Duration validity, int minRsaBits, Set<String> allowedCurves) {

    public CertificateProfile {
        if (validity.isNegative() || validity.isZero()) {
            throw new IllegalArgumentException("a certificate's validity must be positive");
        }
        if (minRsaBits < 2048) {
            throw new IllegalArgumentException("RSA keys below 2048 bits are not acceptable (BCP195, MHLW guideline)");
        }
        allowedCurves = Set.copyOf(allowedCurves);
    }

    /** One year; RSA 2048 and up; P-256 and P-384. */
    public static CertificateProfile defaults() {
        return new CertificateProfile(Duration.ofDays(365), 2048, Set.of("secp256r1", "secp384r1"));
    }

    public CertificateProfile withValidity(Duration validity) {
        return new CertificateProfile(validity, minRsaBits, allowedCurves);
    }
}
