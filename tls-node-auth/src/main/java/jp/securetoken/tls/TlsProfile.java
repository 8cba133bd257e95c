package jp.securetoken.tls;

import java.util.List;

/**
 * Which protocol versions and cipher suites a node offers. Both profiles refuse everything below
 * TLS 1.2, every non-AEAD suite and every suite without forward secrecy.
 */
public enum TlsProfile {
    /**
     * IHE ATNA "STX: TLS 1.2 floor using BCP195": TLS 1.3, and TLS 1.2 with the four GCM suites
     * ATNA names (ECDHE-RSA and DHE-RSA with AES-128/256-GCM) plus their ECDHE-ECDSA twins for EC keys.
     */
    ATNA_BCP195(false, List.of(
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384")),
    /**
     * MHLW guideline 6.0 at the IPA/CRYPTREC "high security" level: TLS 1.3 preferred; TLS 1.2 only
     * with ECDHE and an AEAD cipher. Peers must carry an extended key usage naming their role.
     */
    MHLW_HIGH_SECURITY(true, List.of(
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"));

    /** TLS 1.3 suites: all AEAD with forward secrecy by construction. */
    static final List<String> TLS13_SUITES = List.of(
            "TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256");

    private final List<String> tls12Suites;
    private final boolean requiresExtendedKeyUsage;

    TlsProfile(boolean requiresExtendedKeyUsage, List<String> tls12Suites) {
        this.requiresExtendedKeyUsage = requiresExtendedKeyUsage;
        this.tls12Suites = tls12Suites;
    }

    /**
     * Whether peers must carry an extended key usage extension naming their role (the trust
     * policy's {@code requireExtendedKeyUsage} is turned on for this profile): MHLW high security does.
     */
    public boolean requiresExtendedKeyUsage() {
        return requiresExtendedKeyUsage;
    }

    /** The TLS 1.2 suites of this profile, most preferred first. */
    public List<String> tls12CipherSuites() {
        return tls12Suites;
    }

    /** The TLS 1.3 suites every profile offers. */
    public List<String> tls13CipherSuites() {
        return TLS13_SUITES;
    }
}
