package jp.securetoken.cli;

import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.List;

import com.code_intelligence.jazzer.junit.FuzzTest;

import jp.securetoken.api.InvalidCertificateException;
import jp.securetoken.soft.SoftTokens;

/**
 * Fuzz target: the certificate, chain and CRL files the CLI reads ({@code cert import --chain},
 * {@code verify}, {@code --ca}, {@code --issuer-anchor}, {@code --crl}), PEM or DER. The first
 * input byte chooses certificates (even) or CRLs (odd). A refusal must be
 * {@link InvalidCertificateException} or the CLI's bad-input error (exit 6); what is accepted must
 * survive what {@code token info} and {@code cert export} do with it (PEM out and back).
 * The CLI reads no CSR (it only writes them; {@code csr} output is parsed back in its own tests).
 * Regression inputs: {@code CertificateInputFuzzTestInputs/}; {@code scripts/fuzz.sh} fuzzes for real.
 */
public class CertificateInputFuzzTest {
    private static final String FILE = "fuzz-input.pem";

    @FuzzTest
    void certificateOrCrlFile(byte[] data) throws Exception {
        fuzzerTestOneInput(data);
    }

    /** The target itself; also what a plain {@code jazzer --target_class} run calls. */
    public static void fuzzerTestOneInput(byte[] data) throws Exception {
        if (data.length == 0) {
            return;
        }
        byte[] body = java.util.Arrays.copyOfRange(data, 1, data.length);
        if ((data[0] & 1) == 0) {
            List<X509Certificate> chain;
            try {
                chain = SoftTokens.readCertificates(body);
            } catch (InvalidCertificateException expected) {
                return;
            }
            StringBuilder pem = new StringBuilder();
            for (X509Certificate c : chain) {
                c.getSubjectX500Principal().getName();
                c.getNotAfter();
                c.getPublicKey();
                pem.append(Pem.encode("CERTIFICATE", c.getEncoded()));
            }
            List<X509Certificate> again = SoftTokens.readCertificates(pem.toString().getBytes(
                    java.nio.charset.StandardCharsets.US_ASCII));
            if (!again.equals(chain)) {
                throw new AssertionError("certificates written as PEM read back differently");
            }
        } else {
            try {
                for (X509CRL crl : TrustOptions.parseCrls(body, FILE)) {
                    crl.getIssuerX500Principal();
                    crl.getRevokedCertificates();
                }
            } catch (CliException expected) {
                if (ExitCode.of(expected) != ExitCode.BAD_INPUT) {
                    throw new AssertionError("a bad CRL file is not exit 6", expected);
                }
            }
        }
    }
}
