package jp.securetoken.jpki;

import jp.securetoken.api.CredentialUsage;

/**
 * The two logical tokens of one My Number Card: the user-authentication certificate and key
 * ({@code jpki:auth}, 4-digit PIN, 3 tries) and the digital-signature certificate and key
 * ({@code jpki:sign}, PIN of 6 to 16 characters A–Z and 0–9, 5 tries).
 */
public enum JpkiTokenType {
    /** User authentication (利用者証明用): node and challenge authentication. */
    AUTH("auth", "user authentication", CredentialUsage.NODE_AUTHENTICATION, 3),
    /** Digital signature (署名用): document signing; its certificate carries personal data. */
    SIGN("sign", "digital signature", CredentialUsage.DOCUMENT_SIGNING, 5);

    private final String uriName;
    private final String displayName;
    private final CredentialUsage usage;
    private final int maxTries;

    JpkiTokenType(String uriName, String displayName, CredentialUsage usage, int maxTries) {
        this.uriName = uriName;
        this.displayName = displayName;
        this.usage = usage;
        this.maxTries = maxTries;
    }

    /** The name in the token address: {@code auth} or {@code sign}. */
    public String uriName() {
        return uriName;
    }

    /** {@code user authentication} or {@code digital signature}. */
    public String displayName() {
        return displayName;
    }

    /** What the credential is for. */
    public CredentialUsage usage() {
        return usage;
    }

    /** How many wrong PINs in a row lock this PIN. */
    public int maxTries() {
        return maxTries;
    }

    /** Whether the card lets its certificate be read only after the PIN (the signature certificate). */
    public boolean certificateNeedsPin() {
        return this == SIGN;
    }

    /** The type named {@code name} in an address ({@code auth}, {@code sign}), ignoring case. */
    static JpkiTokenType fromUriName(String name) {
        for (JpkiTokenType t : values()) {
            if (t.uriName.equalsIgnoreCase(name)) {
                return t;
            }
        }
        return null;
    }
}
