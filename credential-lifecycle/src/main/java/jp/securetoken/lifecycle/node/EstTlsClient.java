package jp.securetoken.lifecycle.node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Vector;

import jp.securetoken.api.Credential;
import jp.securetoken.lifecycle.tls.BoundChannel;
import jp.securetoken.lifecycle.tls.EstTls;
import jp.securetoken.tls.trust.NodeTrustManager;
import jp.securetoken.tls.trust.PeerRejectedException;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.CertificateRequest;
import org.bouncycastle.tls.DefaultTlsClient;
import org.bouncycastle.tls.NameType;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.ServerName;
import org.bouncycastle.tls.TlsAuthentication;
import org.bouncycastle.tls.TlsCredentials;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsServerCertificate;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;

/**
 * The node's side of one TLS handshake with the issuing server: authenticates the server against
 * the issuer anchor alone ({@link NodeTrustManager}, as before), presents the node's current
 * credential when one is given and the server asks, and keeps the connection's channel binding.
 */
final class EstTlsClient extends DefaultTlsClient {
    private final JcaTlsCrypto crypto;
    private final String host;
    private final NodeTrustManager trust;
    private final Credential credential;
    private final boolean tls13;
    private List<X509Certificate> serverChain = List.of();
    private BoundChannel bound;

    EstTlsClient(JcaTlsCrypto crypto, String host, NodeTrustManager trust, Credential credential, boolean tls13) {
        super(crypto);
        this.crypto = crypto;
        this.host = host;
        this.trust = trust;
        this.credential = credential;
        this.tls13 = tls13 && (credential == null || EstTls.servesTls13(credential.key()));
    }

    /** The connection once its handshake completed, else {@code null}. */
    BoundChannel bound() {
        return bound;
    }

    @Override
    protected ProtocolVersion[] getSupportedVersions() {
        return EstTls.versions(tls13);
    }

    @Override
    protected int[] getSupportedCipherSuites() {
        return EstTls.clientSuites(crypto);
    }

    @Override
    protected Vector<ServerName> getSNIServerNames() {
        if (host.contains(":") || host.matches("[0-9.]+")) {
            return null; // SNI names hosts, not addresses (RFC 6066 section 3)
        }
        Vector<ServerName> names = new Vector<>();
        names.add(new ServerName(NameType.host_name, host.getBytes(StandardCharsets.US_ASCII)));
        return names;
    }

    @Override
    public TlsAuthentication getAuthentication() {
        return new TlsAuthentication() {
            @Override
            public void notifyServerCertificate(TlsServerCertificate server) throws IOException {
                X509Certificate[] chain = EstTls.chain(crypto, server.getCertificate()).toArray(new X509Certificate[0]);
                if (chain.length == 0) {
                    throw new TlsFatalAlert(AlertDescription.bad_certificate, "the server sent no certificate");
                }
                try {
                    trust.validate(chain, host);
                } catch (PeerRejectedException e) {
                    throw new TlsFatalAlert(AlertDescription.bad_certificate, e.getMessage(), e);
                }
                serverChain = List.of(chain);
            }

            @Override
            public TlsCredentials getClientCredentials(CertificateRequest request) throws IOException {
                if (credential == null) {
                    return null;
                }
                return EstTls.signer(context, crypto, credential, request.getSupportedSignatureAlgorithms(),
                        request.getCertificateRequestContext());
            }
        };
    }

    @Override
    public void notifyHandshakeComplete() throws IOException {
        super.notifyHandshakeComplete();
        bound = EstTls.bound(context, serverChain);
    }
}
