package jp.securetoken.examples;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jp.securetoken.api.Credential;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.SecureTokens;
import jp.securetoken.api.SignatureScheme;
import jp.securetoken.jpki.JpkiTokenProvider;
import jp.securetoken.jpki.emulator.EmulatedReader;
import jp.securetoken.jpki.emulator.JpkiCardEmulator;
import jp.securetoken.jpki.emulator.JpkiCardIdentity;
import jp.securetoken.jpki.emulator.JpkiPinRole;
import jp.securetoken.testpki.TestPki;
import jp.securetoken.tls.trust.NodeTrustManager;
import jp.securetoken.tls.trust.PeerRejectedException;
import jp.securetoken.tls.trust.Revocation;
import jp.securetoken.tls.trust.TrustPolicy;

/**
 * Use case 3 of the JAHIS guide, the health-insurance qualification check: at the reception
 * terminal the patient's My Number Card signs the qualification server's challenge with its
 * user-authentication key (PIN entered at the terminal); the server checks the signature, the
 * certificate's chain to the JPKI user-authentication CA, and its revocation status by OCSP
 * (Debian's {@code openssl ocsp} on loopback). A revoked card is refused. The cards are emulated
 * in an in-JVM reader ({@link EmulatedReader}) and used through the same {@code jpki:auth} token
 * code as a real card in a PC/SC reader.
 *
 * <p>Run: {@code java -cp 'examples/target/examples-0.1.0-SNAPSHOT.jar:examples/target/lib/*'
 * jp.securetoken.examples.QualificationCheckExample}
 */
public final class QualificationCheckExample {

    /**
     * One patient's check.
     *
     * @param patient  who (a label of the example, not from the card)
     * @param accepted whether the server accepted the card
     * @param reason   why not, when refused
     */
    public record Check(String patient, boolean accepted, String reason) {
    }

    private QualificationCheckExample() {
    }

    public static void main(String[] args) throws Exception {
        List<Check> checks = run(Files.createTempDirectory("qualification-check"), System.out);
        System.exit(checks.get(0).accepted() && !checks.get(1).accepted() ? 0 : 1);
    }

    /** Runs the scene in {@code dir}, telling {@code out} what happens. */
    public static List<Check> run(Path dir, PrintStream out) throws Exception {
        TestPki jpkiAuthCa = TestPki.create("JPKI for user authentication (example)", TestPki.Keys.rsa(2048));
        JpkiCardIdentity patientA = ExampleNodes.myNumberCard(jpkiAuthCa, "QC0000000000000A");
        JpkiCardIdentity patientB = ExampleNodes.myNumberCard(jpkiAuthCa, "QC0000000000000B");
        List<Check> checks = new ArrayList<>();
        try (OcspResponder ocsp = OcspResponder.start(dir, jpkiAuthCa, List.of(patientA.authCertificate()),
                List.of(patientB.authCertificate()))) {
            TrustPolicy qualificationServer = TrustPolicy.builder().trustAnchors(jpkiAuthCa.caCertificate())
                    .revocation(Revocation.hardFail().withOcspResponder(ocsp.uri())).build();
            out.printf("Qualification server trusts %s; OCSP responder (openssl ocsp) at %s%n",
                    jpkiAuthCa.caCertificate().getSubjectX500Principal().getName(), ocsp.uri());
            EmulatedReader reception = new EmulatedReader(null);
            Map<String, JpkiCardIdentity> patients = new LinkedHashMap<>();
            patients.put("patient A", patientA);
            patients.put("patient B (card revoked)", patientB);
            for (Map.Entry<String, JpkiCardIdentity> patient : patients.entrySet()) {
                reception.insert(JpkiCardEmulator.of(patient.getValue()));
                checks.add(check(patient.getKey(), patient.getValue(), reception, qualificationServer, out));
                reception.remove();
            }
        }
        return checks;
    }

    private static Check check(String patient, JpkiCardIdentity identity, EmulatedReader reception,
            TrustPolicy server, PrintStream out) throws Exception {
        byte[] challenge = new byte[32];
        new SecureRandom().nextBytes(challenge);
        byte[] signature;
        List<X509Certificate> chain;
        try (SecureToken card = SecureTokens.of(new JpkiTokenProvider(reception.terminalFactory())).open("jpki:auth")) {
            card.login(request -> identity.pin(JpkiPinRole.AUTHENTICATION).toCharArray());
            Credential auth = card.credentials().get(0);
            signature = auth.key().sign(SignatureScheme.RSA_PKCS1_SHA256, challenge);
            chain = auth.chain();
        }
        out.printf("%s: card signed challenge %s… with its user-authentication key%n", patient,
                HexFormat.of().formatHex(challenge, 0, 4));
        try {
            Signature verifier = Signature.getInstance("SHA256withRSA");
            verifier.initVerify(chain.get(0));
            verifier.update(challenge);
            if (!verifier.verify(signature)) {
                out.printf("%s: refused, the signature does not verify%n", patient);
                return new Check(patient, false, "signature does not verify");
            }
            new NodeTrustManager(server, NodeTrustManager.PeerRole.CLIENT)
                    .validate(chain.toArray(new X509Certificate[0]), null);
            out.printf("%s: accepted — signature, chain to the JPKI CA and OCSP status good%n", patient);
            return new Check(patient, true, "");
        } catch (PeerRejectedException e) {
            out.printf("%s: refused (%s) — %s%n", patient, e.reason(), e.reason().description());
            return new Check(patient, false, e.reason().name());
        } catch (GeneralSecurityException e) {
            out.printf("%s: refused, %s%n", patient, e.getMessage());
            return new Check(patient, false, e.getMessage());
        }
    }
}
