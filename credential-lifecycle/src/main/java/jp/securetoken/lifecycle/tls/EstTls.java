package jp.securetoken.lifecycle.tls;

import java.io.IOException;
import java.security.SecureRandom;
import java.security.Security;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Vector;

import jp.securetoken.api.Credential;
import jp.securetoken.api.SignatureScheme;
import jp.securetoken.api.TokenKey;
import jp.securetoken.api.jca.SecureTokenProvider;
import jp.securetoken.api.jca.TokenPrivateKey;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.Certificate;
import org.bouncycastle.tls.CertificateEntry;
import org.bouncycastle.tls.ChannelBinding;
import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.SignatureAndHashAlgorithm;
import org.bouncycastle.tls.TlsContext;
import org.bouncycastle.tls.TlsCredentialedSigner;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.crypto.TlsCertificate;
import org.bouncycastle.tls.crypto.TlsCryptoParameters;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaDefaultTlsCredentialedSigner;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCertificate;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCryptoProvider;

/**
 * The TLS both ends of EST speak, on BouncyCastle's low-level API ({@code org.bouncycastle.tls}).
 * The EST server and the node's client run on it rather than on BCJSSE because a channel binding
 * must be read while the handshake completes: BCJSSE (1.84, and BC's main branch) clears the TLS 1.3 exporter
 * secret then, so {@code tls-exporter} (RFC 9266) cannot be read from it afterwards, while
 * {@link org.bouncycastle.tls.TlsPeer#notifyHandshakeComplete} still sees it.
 *
 * <p>Offered: TLS 1.3 (when the token key has a scheme TLS 1.3 allows) and TLS 1.2; TLS 1.3's AEAD
 * suites and TLS 1.2 ECDHE with AES-GCM. The token key signs through the JCA bridge
 * ({@link SecureTokenProvider}), as it does under BCJSSE. Internal to this module's server and client.
 */
public final class EstTls {
    private static final int[] TLS13_SUITES = {CipherSuite.TLS_AES_256_GCM_SHA384, CipherSuite.TLS_AES_128_GCM_SHA256,
        CipherSuite.TLS_CHACHA20_POLY1305_SHA256};
    private static final int[] TLS12_EC_SUITES = {CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256};
    private static final int[] TLS12_RSA_SUITES = {CipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256};

    private EstTls() {
    }

    /** A crypto whose signatures find the token's keys through the JCA bridge (BC's provider gives randomness). */
    public static JcaTlsCrypto crypto() {
        synchronized (EstTls.class) {
            if (Security.getProvider(BouncyCastleProvider.PROVIDER_NAME) == null) {
                Security.addProvider(new BouncyCastleProvider());
            }
        }
        SecureTokenProvider.install();
        return new JcaTlsCryptoProvider().create(new SecureRandom());
    }

    /** Whether {@code key} can sign a TLS 1.3 CertificateVerify (a PKCS#1 v1.5-only card cannot). */
    public static boolean servesTls13(TokenKey key) {
        return key.signatureSchemes().stream().anyMatch(SignatureScheme::allowedInTls13);
    }

    /** TLS 1.3 and 1.2, or TLS 1.2 alone. */
    public static ProtocolVersion[] versions(boolean tls13) {
        return tls13 ? ProtocolVersion.TLSv13.downTo(ProtocolVersion.TLSv12) : ProtocolVersion.TLSv12.only();
    }

    /** The suites a client offers: every suite of both versions that the crypto supports. */
    public static int[] clientSuites(JcaTlsCrypto crypto) {
        return TlsUtils.getSupportedCipherSuites(crypto, concat(TLS13_SUITES, TLS12_EC_SUITES, TLS12_RSA_SUITES));
    }

    /** The suites a server with {@code key} offers: TLS 1.2's are those whose signature the key can make. */
    public static int[] serverSuites(JcaTlsCrypto crypto, TokenKey key) {
        int[] tls12 = "EC".equals(key.algorithm()) ? TLS12_EC_SUITES : TLS12_RSA_SUITES;
        return TlsUtils.getSupportedCipherSuites(crypto, concat(TLS13_SUITES, tls12));
    }

    /**
     * A signer for {@code credential} with the first scheme of the peer's list that the token key
     * offers (and, on TLS 1.3, that TLS 1.3 allows).
     *
     * @param peerAlgorithms the peer's signature_algorithms; {@code null} (a TLS 1.2 peer that sent none) fits nothing
     * @param requestContext the certificate_request_context to echo (TLS 1.3 client certificates), else empty
     * @throws TlsFatalAlert handshake_failure when no scheme fits
     */
    public static TlsCredentialedSigner signer(TlsContext context, JcaTlsCrypto crypto, Credential credential,
            Vector<?> peerAlgorithms, byte[] requestContext) throws IOException {
        boolean tls13 = TlsUtils.isTLSv13(context);
        SignatureAndHashAlgorithm chosen = null;
        if (peerAlgorithms != null) {
            for (Object o : peerAlgorithms) {
                SignatureAndHashAlgorithm a = (SignatureAndHashAlgorithm) o;
                Optional<SignatureScheme> scheme = scheme(a);
                if (scheme.isPresent() && credential.key().signatureSchemes().contains(scheme.get())
                        && (!tls13 || scheme.get().allowedInTls13())) {
                    chosen = a;
                    break;
                }
            }
        }
        if (chosen == null) {
            throw new TlsFatalAlert(AlertDescription.handshake_failure, "no signature scheme that both the peer and"
                    + " the token key offer");
        }
        List<TlsCertificate> chain = new ArrayList<>();
        for (X509Certificate c : credential.chain()) {
            chain.add(new JcaTlsCertificate(crypto, c));
        }
        Certificate certificate;
        if (tls13) {
            CertificateEntry[] entries = chain.stream().map(c -> new CertificateEntry(c, null))
                    .toArray(CertificateEntry[]::new);
            certificate = new Certificate(requestContext, entries);
        } else {
            certificate = new Certificate(chain.toArray(new TlsCertificate[0]));
        }
        return new JcaDefaultTlsCredentialedSigner(new TlsCryptoParameters(context), crypto,
                TokenPrivateKey.of(credential.key()), certificate, chosen);
    }

    /** The peer's certificates as X.509 certificates, entity certificate first. */
    public static List<X509Certificate> chain(JcaTlsCrypto crypto, Certificate certificate) throws IOException {
        List<X509Certificate> out = new ArrayList<>();
        if (certificate != null) {
            for (TlsCertificate c : certificate.getCertificateList()) {
                out.add(JcaTlsCertificate.convert(crypto, c).getX509Certificate());
            }
        }
        return out;
    }

    /**
     * The connection's channel binding; call from {@code notifyHandshakeComplete}, the only moment
     * the TLS 1.3 exporter secret is still there.
     */
    public static BoundChannel bound(TlsContext context, List<X509Certificate> peerChain) {
        boolean tls13 = TlsUtils.isTLSv13(context);
        byte[] value = context.exportChannelBinding(tls13 ? ChannelBinding.tls_exporter : ChannelBinding.tls_unique);
        if (value == null) {
            throw new IllegalStateException("the TLS stack gave no channel binding for this connection");
        }
        return new BoundChannel(tls13 ? "TLSv1.3" : "TLSv1.2", tls13 ? "tls-exporter" : "tls-unique", value,
                peerChain);
    }

    private static Optional<SignatureScheme> scheme(SignatureAndHashAlgorithm a) {
        int codePoint = org.bouncycastle.tls.SignatureScheme.from(a);
        for (SignatureScheme s : SignatureScheme.values()) {
            if (s.tlsCodePoint() == codePoint) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    private static int[] concat(int[]... parts) {
        return java.util.Arrays.stream(parts).flatMapToInt(java.util.Arrays::stream).toArray();
    }
}
