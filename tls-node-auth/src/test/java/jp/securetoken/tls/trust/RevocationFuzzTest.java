package jp.securetoken.tls.trust;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.security.cert.CRL;
import java.security.cert.CRLException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.SilentCloseable;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.sun.net.httpserver.HttpServer;

import jp.securetoken.testpki.TestPki;

/**
 * Fuzz target: OCSP and CRL responses reaching the trust manager. The first input byte chooses the
 * route: even, the rest is a CRL file as {@code nodeauth verify --crl} and a configured policy load
 * it (parsed with the JDK's {@code CertificateFactory}, then handed to {@link Revocation#withCrls});
 * odd, the rest is what the OCSP responder answers over HTTP on loopback. The trust manager then
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
        // The configured responder is the one connection allowed: a fetch anywhere else (a URL taken
        // from a fuzzed response) is Jazzer's server-side request forgery finding.
        try (SilentCloseable onlyTheResponder = BugDetectors.allowNetworkConnections(
                (host, port) -> port == RESPONDER.getPort()
                        && (host.equals("127.0.0.1") || host.equals("localhost")))) {
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
            return null; // the CLI turns every one of these into exit 6 (VerifyCommand.readCrls)
        }
    }

    private static URI startResponder() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
            server.createContext("/", exchange -> {
                exchange.getRequestBody().readAllBytes();
                byte[] answer = ocspAnswer;
                exchange.getResponseHeaders().add("Content-Type", "application/ocsp-response");
                exchange.sendResponseHeaders(200, answer.length == 0 ? -1 : answer.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(answer);
                }
            });
            server.setExecutor(null);
            server.start();
            Thread stopper = new Thread(() -> server.stop(0), "ocsp-fuzz-responder-stop");
            Runtime.getRuntime().addShutdownHook(stopper);
            return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/ocsp");
        } catch (IOException e) {
            throw new IllegalStateException("the loopback OCSP responder did not start", e);
        }
    }
}
