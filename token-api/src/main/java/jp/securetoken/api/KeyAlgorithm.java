package jp.securetoken.api;

/** Key pairs a token can be asked to generate inside itself. */
public enum KeyAlgorithm {
    EC_P256("EC", 256, "secp256r1"),
    EC_P384("EC", 384, "secp384r1"),
    RSA_2048("RSA", 2048, null),
    RSA_3072("RSA", 3072, null);

    private final String jcaName;
    private final int bits;
    private final String curve;

    KeyAlgorithm(String jcaName, int bits, String curve) {
        this.jcaName = jcaName;
        this.bits = bits;
        this.curve = curve;
    }

    /** {@code RSA} or {@code EC}. */
    public String jcaName() {
        return jcaName;
    }

    public int bits() {
        return bits;
    }

    /** The curve's standard name for EC keys; {@code null} for RSA. */
    public String curve() {
        return curve;
    }
}
