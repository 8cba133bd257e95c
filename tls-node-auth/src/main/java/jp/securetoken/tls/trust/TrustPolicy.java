package jp.securetoken.tls.trust;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which peers a node accepts: CA trust anchors, optionally pinned CA fingerprints, an allow-list
 * of peer identities, the extended key usage the peer must carry, validity, revocation, and (for
 * clients) an optional host name check. Immutable; build it with {@link #builder()}.
 */
public final class TrustPolicy {
    private final List<X509Certificate> anchors;
    private final Set<String> pinnedCaSha256;
    private final List<PeerPattern> allowedPeers;
    private final boolean requireExtendedKeyUsage;
    private final boolean acceptAnyExtendedKeyUsage;
    private final boolean applyAnchorNameConstraints;
    private final boolean checkHostname;
    private final Revocation revocation;
    private final Clock clock;

    private TrustPolicy(Builder b) {
        if (b.anchors.isEmpty()) {
            throw new IllegalStateException("a trust policy needs at least one CA trust anchor");
        }
        this.anchors = List.copyOf(b.anchors);
        this.pinnedCaSha256 = Set.copyOf(b.pinned);
        this.allowedPeers = List.copyOf(b.allowed);
        this.requireExtendedKeyUsage = b.requireEku;
        this.acceptAnyExtendedKeyUsage = b.acceptAnyEku;
        this.applyAnchorNameConstraints = b.anchorNameConstraints;
        this.checkHostname = b.checkHostname;
        this.revocation = b.revocation;
        this.clock = b.clock;
    }

    public static Builder builder() {
        return new Builder();
    }

    public List<X509Certificate> anchors() {
        return anchors;
    }

    public Set<String> pinnedCaSha256() {
        return pinnedCaSha256;
    }

    public List<PeerPattern> allowedPeers() {
        return allowedPeers;
    }

    public boolean requireExtendedKeyUsage() {
        return requireExtendedKeyUsage;
    }

    public boolean acceptAnyExtendedKeyUsage() {
        return acceptAnyExtendedKeyUsage;
    }

    public boolean applyAnchorNameConstraints() {
        return applyAnchorNameConstraints;
    }

    /** A builder holding this policy's settings, to derive a changed policy. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.anchors.addAll(anchors);
        b.pinned.addAll(pinnedCaSha256);
        b.allowed.addAll(allowedPeers);
        b.requireEku = requireExtendedKeyUsage;
        b.acceptAnyEku = acceptAnyExtendedKeyUsage;
        b.anchorNameConstraints = applyAnchorNameConstraints;
        b.checkHostname = checkHostname;
        b.revocation = revocation;
        b.clock = clock;
        return b;
    }

    public boolean checkHostname() {
        return checkHostname;
    }

    public Revocation revocation() {
        return revocation;
    }

    public Clock clock() {
        return clock;
    }

    /** The lower-case hex SHA-256 of a certificate's DER encoding, as pins are written. */
    public static String sha256Fingerprint(X509Certificate certificate) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads X.509 certificates from a PEM (one or more blocks) or DER file. */
    public static List<X509Certificate> readCertificates(Path file) throws IOException, CertificateException {
        try (InputStream in = Files.newInputStream(file)) {
            Collection<? extends java.security.cert.Certificate> certs =
                    CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certs.isEmpty()) {
                throw new CertificateException(file + " holds no certificate");
            }
            List<X509Certificate> out = new ArrayList<>();
            certs.forEach(c -> out.add((X509Certificate) c));
            return out;
        }
    }

    /** Builds a {@link TrustPolicy}. */
    public static final class Builder {
        private final List<X509Certificate> anchors = new ArrayList<>();
        private final Set<String> pinned = new LinkedHashSet<>();
        private final List<PeerPattern> allowed = new ArrayList<>();
        private boolean requireEku;
        private boolean acceptAnyEku;
        private boolean anchorNameConstraints = true;
        private boolean checkHostname;
        private Revocation revocation = Revocation.off();
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        /** Trusts these CA certificates as anchors. */
        public Builder trustAnchors(X509Certificate... certificates) {
            anchors.addAll(List.of(certificates));
            return this;
        }

        /** Trusts the CA certificates in a PEM or DER file. */
        public Builder trustAnchors(Path file) throws IOException, CertificateException {
            anchors.addAll(readCertificates(file));
            return this;
        }

        /**
         * Accepts only peers whose validated path (its intermediates or its anchor, never a
         * certificate the peer merely sent along) holds a CA certificate with this SHA-256
         * fingerprint of its DER, in hex with or without colons.
         */
        public Builder pinCaSha256(String fingerprint) {
            String hex = fingerprint.replace(":", "").toLowerCase(Locale.ROOT);
            if (!hex.matches("[0-9a-f]{64}")) {
                throw new IllegalArgumentException("a SHA-256 fingerprint has 64 hex digits");
            }
            pinned.add(hex);
            return this;
        }

        /** Accepts only peers that match at least one of these patterns (with none given, any trusted peer). */
        public Builder allowPeers(PeerPattern... patterns) {
            allowed.addAll(List.of(patterns));
            return this;
        }

        /**
         * Whether the peer's certificate must carry an extended key usage extension. A present
         * extension must always name the role (clientAuth for clients, serverAuth for servers).
         * Default false: RFC 5280 reads an absent extension as unrestricted, and regional-network
         * and JPKI-style certificates often omit it. The MHLW high-security profile turns it on.
         */
        public Builder requireExtendedKeyUsage(boolean require) {
            this.requireEku = require;
            return this;
        }

        /**
         * Whether anyExtendedKeyUsage (2.5.29.37.0) in a peer's extended key usage counts as the
         * role's usage. Default false: a certificate for "any purpose" is not one for node authentication.
         */
        public Builder acceptAnyExtendedKeyUsage(boolean accept) {
            this.acceptAnyEku = accept;
            return this;
        }

        /**
         * Whether a trust anchor's own nameConstraints extension limits the names of the paths
         * below it (RFC 5280 leaves it to the relying party; the JDK ignores it). Default true.
         */
        public Builder applyAnchorNameConstraints(boolean apply) {
            this.anchorNameConstraints = apply;
            return this;
        }

        /**
         * For clients: the server's certificate must name the host connected to (off by default:
         * certificates name nodes). When on, a handshake whose host is unknown is refused, never
         * waved through: give the host to {@code NodeTlsContext.addTo(channel, host, port)}.
         */
        public Builder checkHostname(boolean check) {
            this.checkHostname = check;
            return this;
        }

        public Builder revocation(Revocation revocation) {
            this.revocation = revocation;
            return this;
        }

        /** The clock validity is checked against (tests move it). */
        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        public TrustPolicy build() {
            return new TrustPolicy(this);
        }
    }
}
