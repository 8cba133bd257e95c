package jp.securetoken.lifecycle.node;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLException;
import javax.security.auth.x500.X500Principal;

import jp.securetoken.api.CertificationRequests;
import jp.securetoken.api.Credential;
import jp.securetoken.api.CredentialSource;
import jp.securetoken.api.TokenContentSigner;
import jp.securetoken.api.TokenException;
import jp.securetoken.api.TokenKey;
import jp.securetoken.lifecycle.tls.BoundChannel;
import jp.securetoken.lifecycle.tls.EstTls;
import jp.securetoken.tls.trust.NodeTrustManager;
import jp.securetoken.tls.trust.TrustPolicy;
import org.bouncycastle.asn1.DERPrintableString;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.bouncycastle.tls.TlsClientProtocol;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;

/**
 * The node's side of EST (RFC 7030): connects to the issuing server over TLS 1.3 (or 1.2 when the
 * server or the node's key offers no more), authenticates it against the issuer anchor alone (JAHIS
 * issuing-server authentication), builds the PKCS#10 request inside the token with the connection's
 * channel binding in its challengePassword (RFC 9266 tls-exporter on TLS 1.3, tls-unique on TLS 1.2:
 * proof of possession bound to this connection) and returns the issued certificate. For
 * re-enrollment the node's current credential authenticates it (mutual TLS), its key signing in the
 * token. TLS runs on BouncyCastle's low-level API ({@link EstTls}), the only one that gives the TLS 1.3
 * exporter binding.
 */
public final class EstClient {
    private static final String PREFIX = "/.well-known/est/";

    private final URI base;
    private final X509Certificate anchor;
    private Duration timeout = Duration.ofSeconds(20);
    private boolean tls13 = true;

    private EstClient(URI base, X509Certificate anchor) {
        this.base = base;
        this.anchor = anchor;
    }

    /** A client of the server at {@code base} ({@code https://host:port}) whose chain must lead to {@code issuerAnchor}. */
    public static EstClient to(URI base, X509Certificate issuerAnchor) {
        if (!"https".equalsIgnoreCase(base.getScheme()) || base.getHost() == null) {
            throw new IllegalArgumentException("the EST server's address is https://HOST:PORT");
        }
        return new EstClient(base, issuerAnchor);
    }

    /** Bounds connecting and each read (default 20 s). */
    public EstClient timeout(Duration timeout) {
        this.timeout = timeout;
        return this;
    }

    /**
     * Offers TLS 1.2 only, its requests then bound with tls-unique: for an issuing server without
     * TLS 1.3. By default TLS 1.3 is offered first and 1.2 accepted.
     */
    public EstClient tls12Only() {
        this.tls13 = false;
        return this;
    }

    /** {@code /cacerts}: the issuing CA's certificates, read over a connection authenticated by the anchor. */
    public List<X509Certificate> caCertificates() throws EnrollmentException {
        try (Connection connection = connect(null)) {
            return certificates(exchange(connection, "GET", "cacerts", null, null));
        }
        catch (IOException e) {
            throw failure(e);
        }
    }

    /** {@code /simpleenroll} with a one-time code: certifies {@code key} (empty subject: the invited one). */
    public X509Certificate enroll(TokenKey key, X500Principal subject, char[] code)
            throws EnrollmentException, TokenException {
        String auth = "Basic " + Base64.getEncoder().encodeToString(("node:" + new String(code))
                .getBytes(StandardCharsets.UTF_8));
        return request("simpleenroll", null, key, subject, auth);
    }

    /** {@code /simplereenroll}: the current credential authenticates; certifies {@code newKey} for {@code subject}. */
    public X509Certificate reenroll(CredentialSource current, TokenKey newKey, X500Principal subject)
            throws EnrollmentException, TokenException {
        return request("simplereenroll", current, newKey, subject, null);
    }

    private X509Certificate request(String operation, CredentialSource client, TokenKey key, X500Principal subject,
            String authorization) throws EnrollmentException, TokenException {
        try (Connection connection = connect(client == null ? null : client.current())) {
            byte[] csr = request(key, subject, connection.bound().binding());
            byte[] body = Base64.getMimeEncoder().encode(csr);
            List<X509Certificate> certs = certificates(exchange(connection, "POST", operation, body, authorization));
            if (certs.size() != 1 && certs.stream().noneMatch(c -> c.getPublicKey().equals(key.publicKey()))) {
                throw new EnrollmentException(EnrollmentException.Kind.BAD_RESPONSE,
                        "the server's answer holds no certificate for our key", null);
            }
            X509Certificate issued = certs.stream().filter(c -> c.getPublicKey().equals(key.publicKey())).findFirst()
                    .orElseThrow(() -> new EnrollmentException(EnrollmentException.Kind.BAD_RESPONSE,
                            "the issued certificate carries another key than the one in the token", null));
            return issued;
        } catch (IOException e) {
            throw failure(e);
        }
    }

    private static byte[] request(TokenKey key, X500Principal subject, byte[] binding) throws TokenException {
        JcaPKCS10CertificationRequestBuilder b = new JcaPKCS10CertificationRequestBuilder(
                subject == null ? new X500Name(new org.bouncycastle.asn1.x500.RDN[0])
                        : X500Name.getInstance(subject.getEncoded()), key.publicKey());
        b.setAttribute(PKCSObjectIdentifiers.pkcs_9_at_challengePassword,
                new DERPrintableString(Base64.getEncoder().encodeToString(binding)));
        TokenContentSigner signer = new TokenContentSigner(key, CertificationRequests.defaultScheme(key));
        PKCS10CertificationRequest csr = b.build(signer);
        signer.rethrowFailure();
        try {
            return csr.getEncoded();
        } catch (IOException e) {
            throw new IllegalStateException("encoding a request built in memory failed", e);
        }
    }

    /** One TLS connection to the issuing server and what its handshake established. */
    private record Connection(Socket socket, TlsClientProtocol tls, BoundChannel bound) implements AutoCloseable {
        InputStream in() {
            return tls.getInputStream();
        }

        OutputStream out() {
            return tls.getOutputStream();
        }

        /** Sends close_notify if the server still listens (it may have closed first, after its answer). */
        @Override
        public void close() throws IOException {
            try {
                tls.close();
            } catch (IOException e) {
                // the answer was read in full already; a peer that closed first is no failure
            } finally {
                socket.close();
            }
        }
    }

    private Connection connect(Credential client) throws IOException {
        JcaTlsCrypto crypto = EstTls.crypto();
        NodeTrustManager trust = new NodeTrustManager(TrustPolicy.builder().trustAnchors(anchor).build(),
                NodeTrustManager.PeerRole.SERVER);
        EstTlsClient tlsClient = new EstTlsClient(crypto, base.getHost(), trust, client, tls13);
        int port = base.getPort() < 0 ? 443 : base.getPort();
        Socket plain = new Socket();
        try {
            plain.connect(new InetSocketAddress(base.getHost(), port), (int) timeout.toMillis());
            plain.setSoTimeout((int) timeout.toMillis());
            TlsClientProtocol tls = new TlsClientProtocol(plain.getInputStream(), plain.getOutputStream());
            tls.connect(tlsClient);
            return new Connection(plain, tls, tlsClient.bound());
        } catch (IOException | RuntimeException e) {
            plain.close();
            throw e;
        }
    }

    /** One HTTP/1.1 request and its answer; non-2xx answers become typed errors. */
    private byte[] exchange(Connection connection, String method, String operation, byte[] body, String authorization)
            throws IOException, EnrollmentException {
        StringBuilder head = new StringBuilder();
        head.append(method).append(' ').append(PREFIX).append(operation).append(" HTTP/1.1\r\n")
                .append("Host: ").append(base.getHost()).append(':').append(base.getPort()).append("\r\n")
                .append("Connection: close\r\n");
        if (authorization != null) {
            head.append("Authorization: ").append(authorization).append("\r\n");
        }
        if (body != null) {
            head.append("Content-Type: application/pkcs10\r\nContent-Transfer-Encoding: base64\r\n")
                    .append("Content-Length: ").append(body.length).append("\r\n");
        }
        head.append("\r\n");
        OutputStream out = connection.out();
        out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
        if (body != null) {
            out.write(body);
        }
        out.flush();
        InputStream in = connection.in();
        String status = line(in);
        String[] parts = status.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            throw new EnrollmentException(EnrollmentException.Kind.BAD_RESPONSE, "the server did not answer in HTTP",
                    null);
        }
        int code = Integer.parseInt(parts[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (String h = line(in); !h.isEmpty(); h = line(in)) {
            int colon = h.indexOf(':');
            if (colon > 0) {
                headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
            }
        }
        String length = headers.get("content-length");
        byte[] content = length == null ? in.readAllBytes() : in.readNBytes(Integer.parseInt(length));
        if (code / 100 == 2) {
            return content;
        }
        String message = new String(content, StandardCharsets.UTF_8).trim();
        if (code == 503 || code == 429 || code == 202) {
            Duration after = parseRetryAfter(headers.get("retry-after"));
            throw new EnrollmentException(EnrollmentException.Kind.RETRY_LATER, "the issuing server asks to retry"
                    + (after == null ? "" : " after " + after.toSeconds() + " s") + (message.isEmpty() ? "" : ": "
                    + message), code, after, null);
        }
        throw new EnrollmentException(EnrollmentException.Kind.REFUSED, "the issuing server refused (" + code + ")"
                + (message.isEmpty() ? "" : ": " + message), code, null, null);
    }

    private static Duration parseRetryAfter(String value) {
        if (value == null) {
            return null;
        }
        try {
            return Duration.ofSeconds(Long.parseLong(value.trim()));
        } catch (NumberFormatException e) {
            return null; // an HTTP date: the caller's own backoff applies
        }
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            if (c != '\r') {
                b.write(c);
            }
            if (b.size() > 8192) {
                throw new IOException("an HTTP header line is too long");
            }
        }
        return b.toString(StandardCharsets.US_ASCII);
    }

    private static List<X509Certificate> certificates(byte[] base64) throws EnrollmentException {
        try {
            CMSSignedData certsOnly = new CMSSignedData(Base64.getMimeDecoder().decode(
                    new String(base64, StandardCharsets.US_ASCII).trim()));
            CertificateFactory f = CertificateFactory.getInstance("X.509");
            List<X509Certificate> out = new ArrayList<>();
            for (X509CertificateHolder h : certsOnly.getCertificates().getMatches(null)) {
                out.add((X509Certificate) f.generateCertificate(new ByteArrayInputStream(h.getEncoded())));
            }
            return out;
        } catch (CMSException | IOException | GeneralSecurityException | IllegalArgumentException e) {
            throw new EnrollmentException(EnrollmentException.Kind.BAD_RESPONSE,
                    "the server's answer is not a certs-only PKCS#7 message", e);
        }
    }

    private EnrollmentException failure(IOException e) {
        if (e instanceof ConnectException || e instanceof UnknownHostException || e instanceof SocketTimeoutException
                || e instanceof java.net.NoRouteToHostException) {
            return new EnrollmentException(EnrollmentException.Kind.SERVER_UNREACHABLE, "the issuing server "
                    + base.getHost() + ":" + base.getPort() + " cannot be reached (" + e.getClass().getSimpleName()
                    + ")", e);
        }
        if (tlsFailure(e)) {
            return new EnrollmentException(EnrollmentException.Kind.SERVER_NOT_AUTHENTICATED, "TLS with the issuing "
                    + "server failed: " + rootMessage(e), e);
        }
        return new EnrollmentException(EnrollmentException.Kind.SERVER_UNREACHABLE, "talking to the issuing server "
                + "failed: " + rootMessage(e), e);
    }

    private static boolean tlsFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SSLException || t instanceof org.bouncycastle.tls.TlsException
                    || t instanceof java.security.cert.CertificateException) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable t) {
        Throwable r = t;
        while (r.getCause() != null) {
            r = r.getCause();
        }
        return r.getMessage() == null ? r.getClass().getSimpleName() : r.getMessage();
    }
}
