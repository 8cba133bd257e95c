package jp.securetoken.tls.trust;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URL;
import java.net.URLConnection;
import java.net.URLStreamHandler;
import java.security.cert.CRL;
import java.security.cert.CRLException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import com.code_intelligence.jazzer.junit.FuzzTest;

import jp.securetoken.testpki.TestPki;

/**
 * Fuzz target: OCSP and CRL responses reaching the trust manager. The first input byte chooses the
 * route: even, the rest is a CRL file as {@code nodeauth verify --crl} and a configured policy load
 * it (parsed with the JDK's {@code CertificateFactory}, then handed to {@link Revocation#withCrls});
 * odd, the rest is what the OCSP responder answers. The JDK's OCSP client fetches it through a
 * {@code fuzz-ocsp:} URL whose connection answers from memory: over loopback TCP the client opens
 * and closes a connection per check, and at fuzzing rates its TIME_WAIT ports filled the ephemeral
 * range, so pcscd's vpcd reader (a fixed port in that range) could not bind in the tests running
 * beside the fuzzer. HTTP itself is tested for real elsewhere ({@code openssl ocsp}). The trust manager then
 * checks a genuine client chain with hard-fail revocation: it must accept it or refuse it with
 * {@link PeerRejectedException}, nothing else. Regression inputs: {@code RevocationFuzzTestInputs/};
 * {@code scripts/fuzz.sh} fuzzes for real.
 */
public class RevocationFuzzTest {
    private static final TestPki PKI = TestPki.create("Revocation Fuzz CA");
    private static final X509Certificate[] CHAIN = {PKI.issue("clinic-001").clientAuth().build().certificate(),
        PKI.caCertificate()};
    private static volatile byte[] ocspAnswer = new byte[0];
    private static final URI RESPONDER = startResponder();

    @FuzzTest
    void responses(byte[] data) {
        fuzzerTestOneInput(data);
    }

    /** The target itself; also what a plain {@code jazzer --target_class} run calls. */
    public static void fuzzerTestOneInput(byte[] data) {
        if (data.length == 0) {
            return;
        }
        byte[] body = java.util.Arrays.copyOfRange(data, 1, data.length);
        Revocation revocation;
        if ((data[0] & 1) == 0) {
            List<X509CRL> crls = parseCrls(body);
            if (crls == null) {
                return;
            }
            revocation = Revocation.hardFail().withCrls(crls).preferringCrls();
        } else {
            ocspAnswer = body;
            revocation = Revocation.hardFail().withOcspResponder(RESPONDER);
        }
        TrustPolicy policy = TrustPolicy.builder().trustAnchors(PKI.caCertificate()).revocation(revocation).build();
        // No network connection is allowed: a fetch (a URL taken from a fuzzed response) is Jazzer's
        // server-side request forgery finding.
        try {
            new NodeTrustManager(policy, NodeTrustManager.PeerRole.CLIENT).validate(CHAIN, null);
        } catch (PeerRejectedException expected) {
            // a typed refusal is the right answer
        }
    }

    /** The CRLs in {@code bytes} as the CLI reads them, or null when it refuses them (a bad-input exit). */
    private static List<X509CRL> parseCrls(byte[] bytes) {
        try {
            Collection<? extends CRL> read = CertificateFactory.getInstance("X.509")
                    .generateCRLs(new ByteArrayInputStream(bytes));
            List<X509CRL> out = new ArrayList<>();
            read.forEach(c -> out.add((X509CRL) c));
            return out.isEmpty() ? null : out;
        } catch (CertificateException | CRLException | RuntimeException e) {
            return null; // the CLI turns every one of these into exit 6 (TrustOptions.readCrls)
        }
    }

    /** Routes {@code fuzz-ocsp:} URLs to the in-memory responder; every other scheme keeps the JDK's handler. */
    private static URI startResponder() {
        URL.setURLStreamHandlerFactory(protocol -> !"fuzz-ocsp".equals(protocol) ? null : new URLStreamHandler() {
            @Override
            protected URLConnection openConnection(URL url) {
                return new AnswerConnection(url);
            }
        });
        return URI.create("fuzz-ocsp://responder/ocsp");
    }

    /** The OCSP responder's answer as the JDK's client reads it: status 200 and the fuzzed bytes. */
    private static final class AnswerConnection extends HttpURLConnection {
        private final byte[] answer = ocspAnswer;

        AnswerConnection(URL url) {
            super(url);
        }

        @Override
        public void connect() {
            connected = true;
        }

        @Override
        public void disconnect() {
            connected = false;
        }

        @Override
        public boolean usingProxy() {
            return false;
        }

        @Override
        public OutputStream getOutputStream() {
            return OutputStream.nullOutputStream();
        }

        @Override
        public int getResponseCode() {
            return HTTP_OK;
        }

        @Override
        public int getContentLength() {
            return answer.length;
        }

        @Override
        public InputStream getInputStream() {
            return new ByteArrayInputStream(answer);
        }
    }
}
