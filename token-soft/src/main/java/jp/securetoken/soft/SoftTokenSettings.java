package jp.securetoken.soft;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

import jp.securetoken.api.PinCallback;

/**
 * How {@link SoftTokens#create} makes a new token: label, the two PINs, the retry limit, the KDF
 * cost and, optionally, the issuer trust anchors a later credential chain must lead to.
 *
 * <pre>{@code
 * SoftTokenSettings settings = SoftTokenSettings.builder("clinic-001")
 *         .userPin(userPinCallback)
 *         .administratorPin(adminPinCallback)
 *         .issuerAnchors(List.of(regionalCa))
 *         .build();
 * }</pre>
 */
public final class SoftTokenSettings {
    /** PBKDF2 iterations unless set: 600,000, the OWASP 2023 figure for PBKDF2-HMAC-SHA256. */
    public static final int DEFAULT_KDF_ITERATIONS = 600_000;
    /** The fewest PBKDF2 iterations accepted (meant for tests only). */
    public static final int MIN_KDF_ITERATIONS = 10_000;
    /**
     * The most PBKDF2 iterations accepted: 10,000,000 (a few seconds per PIN check). A token file
     * asking for more, or for fewer than {@link #MIN_KDF_ITERATIONS}, is refused as corrupt.
     */
    public static final int MAX_KDF_ITERATIONS = 10_000_000;
    /** Wrong tries before a PIN locks, unless set. */
    public static final int DEFAULT_MAX_RETRIES = 5;

    private final String label;
    private final PinCallback userPin;
    private final PinCallback administratorPin;
    private final int maxRetries;
    private final int kdfIterations;
    private final List<X509Certificate> issuerAnchors;

    private SoftTokenSettings(Builder b) {
        this.label = b.label;
        this.userPin = Objects.requireNonNull(b.userPin, "a user PIN is required");
        this.administratorPin = Objects.requireNonNull(b.administratorPin, "an administrator PIN is required");
        this.maxRetries = b.maxRetries;
        this.kdfIterations = b.kdfIterations;
        this.issuerAnchors = List.copyOf(b.issuerAnchors);
    }

    /** Starts the settings of a token labelled {@code label}. */
    public static Builder builder(String label) {
        return new Builder(label);
    }

    public String label() {
        return label;
    }

    PinCallback userPin() {
        return userPin;
    }

    PinCallback administratorPin() {
        return administratorPin;
    }

    public int maxRetries() {
        return maxRetries;
    }

    public int kdfIterations() {
        return kdfIterations;
    }

    public List<X509Certificate> issuerAnchors() {
        return issuerAnchors;
    }

    @Override
    public String toString() {
        return "SoftTokenSettings[label=" + label + ", maxRetries=" + maxRetries + ", kdfIterations=" + kdfIterations
                + ", issuerAnchors=" + issuerAnchors.size() + "]";
    }

    /** Collects the settings; {@link #build()} checks them. */
    public static final class Builder {
        private final String label;
        private PinCallback userPin;
        private PinCallback administratorPin;
        private int maxRetries = DEFAULT_MAX_RETRIES;
        private int kdfIterations = DEFAULT_KDF_ITERATIONS;
        private List<X509Certificate> issuerAnchors = List.of();

        private Builder(String label) {
            if (label == null || label.isBlank() || label.length() > 64) {
                throw new IllegalArgumentException("a label of 1 to 64 characters is required");
            }
            this.label = label;
        }

        /** Where the initial user PIN comes from; the array it returns is wiped after use. */
        public Builder userPin(PinCallback pin) {
            this.userPin = pin;
            return this;
        }

        /** Where the administrator PIN (which unlocks the user PIN) comes from; its array is wiped after use. */
        public Builder administratorPin(PinCallback pin) {
            this.administratorPin = pin;
            return this;
        }

        /** Wrong tries before a PIN locks, 1 to 15. */
        public Builder maxRetries(int maxRetries) {
            if (maxRetries < 1 || maxRetries > 15) {
                throw new IllegalArgumentException("maxRetries must be 1 to 15");
            }
            this.maxRetries = maxRetries;
            return this;
        }

        /**
         * PBKDF2-HMAC-SHA256 iterations for both PINs, {@link #MIN_KDF_ITERATIONS} to
         * {@link #MAX_KDF_ITERATIONS}.
         */
        public Builder kdfIterations(int iterations) {
            if (iterations < MIN_KDF_ITERATIONS || iterations > MAX_KDF_ITERATIONS) {
                throw new IllegalArgumentException("kdfIterations must be " + MIN_KDF_ITERATIONS + " to "
                        + MAX_KDF_ITERATIONS);
            }
            this.kdfIterations = iterations;
            return this;
        }

        /**
         * Issuer trust anchors: a credential chain written later must end in one of them or in a
         * certificate one of them signed. With anchors the token declares issuing-server authentication.
         */
        public Builder issuerAnchors(List<X509Certificate> anchors) {
            this.issuerAnchors = List.copyOf(anchors);
            return this;
        }

        public SoftTokenSettings build() {
            return new SoftTokenSettings(this);
        }
    }
}
