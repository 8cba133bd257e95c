package jp.securetoken.tls;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import jp.securetoken.api.SignatureScheme;

/**
 * The protocol versions and suites a context offers, chosen from the profile and from what the
 * token key can sign: TLS 1.3 forbids RSA PKCS#1 v1.5 in CertificateVerify (RFC 8446 section
 * 4.4.3), so a key that signs only PKCS#1 v1.5 (a My Number Card) is offered TLS 1.2 alone.
 *
 * @param protocols    JSSE protocol names, most preferred first
 * @param cipherSuites suites, TLS 1.3 ones first where TLS 1.3 is on
 * @param restriction  why TLS 1.3 is off, or empty when it is on
 * @param signatureSchemes the TLS signature schemes to advertise where the stack must be told
 *                     (BCJSSE picks RSA-PSS and does not fall back); empty for the stack's default
 */
record ProtocolPlan(List<String> protocols, List<String> cipherSuites, String restriction,
        List<String> signatureSchemes) {

    /** Every scheme but RSA-PSS: for keys that sign RSA only with PKCS#1 v1.5. */
    private static final List<String> WITHOUT_PSS = List.of("ecdsa_secp256r1_sha256", "ecdsa_secp384r1_sha384",
            "ecdsa_secp521r1_sha512", "ed25519", "ed448", "rsa_pkcs1_sha256", "rsa_pkcs1_sha384", "rsa_pkcs1_sha512");

    static ProtocolPlan choose(TlsProfile profile, Set<SignatureScheme> keySchemes) {
        boolean tls13 = keySchemes.stream().anyMatch(SignatureScheme::allowedInTls13);
        List<String> suites = new ArrayList<>();
        if (tls13) {
            suites.addAll(profile.tls13CipherSuites());
        }
        suites.addAll(profile.tls12CipherSuites());
        String restriction = tls13 ? "" : "the token key signs only "
                + keySchemes.stream().map(SignatureScheme::tlsName).sorted().collect(Collectors.joining(", "))
                + ", which TLS 1.3 forbids in CertificateVerify (RFC 8446 section 4.4.3); offering TLS 1.2 only";
        boolean rsaWithoutPss = keySchemes.stream().anyMatch(x -> x.padding() == SignatureScheme.Padding.PKCS1)
                && keySchemes.stream().noneMatch(x -> x.padding() == SignatureScheme.Padding.PSS);
        return new ProtocolPlan(tls13 ? List.of("TLSv1.3", "TLSv1.2") : List.of("TLSv1.2"), List.copyOf(suites),
                restriction, rsaWithoutPss ? WITHOUT_PSS : List.of());
    }

    boolean tls13() {
        return protocols.contains("TLSv1.3");
    }
}
