package jp.securetoken.lifecycle.issuer;

import java.io.IOException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Vector;

import jp.securetoken.api.Credential;
import jp.securetoken.lifecycle.tls.BoundChannel;
import jp.securetoken.lifecycle.tls.EstTls;
import jp.securetoken.tls.trust.NodeTrustManager;
import jp.securetoken.tls.trust.PeerRejectedException;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.Certificate;
import org.bouncycastle.tls.CertificateRequest;
import org.bouncycastle.tls.ClientCertificateType;
import org.bouncycastle.tls.DefaultTlsServer;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.TlsCredentials;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;

/**
 * The EST server's side of one TLS handshake: presents the server's token credential, asks for a
 * client certificate without requiring one (a re-enrolling node presents its current one, validated
 * by the same {@link NodeTrustManager} rules as before), and keeps the connection's channel binding.
 */
final class EstTlsServer extends DefaultTlsServer {
    private final JcaTlsCrypto crypto;
    private final Credential credential;
    private final NodeTrustManager trust;
    private List<X509Certificate> clientChain = List.of();
    private volatile BoundChannel bound;

    EstTlsServer(JcaTlsCrypto crypto, Credential credential, NodeTrustManager trust) {
        super(crypto);
        this.crypto = crypto;
        this.credential = credential;
        this.trust = trust;
    }

    /** The connection once its handshake completed, else {@code null}. */
    BoundChannel bound() {
        return bound;
    }

    @Override
    protected ProtocolVersion[] getSupportedVersions() {
        return EstTls.versions(EstTls.servesTls13(credential.key()));
    }

    @Override
    protected int[] getSupportedCipherSuites() {
        return EstTls.serverSuites(crypto, credential.key());
    }

    @Override
    public TlsCredentials getCredentials() throws IOException {
        Vector<?> offered = context.getSecurityParametersHandshake().getClientSigAlgs();
        return EstTls.signer(context, crypto, credential, offered, TlsUtils.EMPTY_BYTES);
    }

    @Override
    public CertificateRequest getCertificateRequest() throws IOException {
        Vector<X500Name> authorities = new Vector<>();
        for (X509Certificate anchor : trust.getAcceptedIssuers()) {
            authorities.add(X500Name.getInstance(anchor.getSubjectX500Principal().getEncoded()));
        }
        Vector<?> algorithms = TlsUtils.getDefaultSupportedSignatureAlgorithms(context);
        if (TlsUtils.isTLSv13(context)) {
            return new CertificateRequest(TlsUtils.EMPTY_BYTES, algorithms, null, authorities);
        }
        return new CertificateRequest(new short[] {ClientCertificateType.ecdsa_sign, ClientCertificateType.rsa_sign},
                algorithms, authorities);
    }

    @Override
    public void notifyClientCertificate(Certificate certificate) throws IOException {
        if (certificate == null || certificate.isEmpty()) {
            return; // a first enrollment: the code authorises it
        }
        X509Certificate[] chain = EstTls.chain(crypto, certificate).toArray(new X509Certificate[0]);
        try {
            trust.validate(chain, null);
        } catch (PeerRejectedException e) {
            throw new TlsFatalAlert(AlertDescription.bad_certificate, e.getMessage(), e);
        }
        clientChain = List.of(chain);
    }

    @Override
    public void notifyHandshakeComplete() throws IOException {
        super.notifyHandshakeComplete();
        bound = EstTls.bound(context, clientChain);
    }
}
