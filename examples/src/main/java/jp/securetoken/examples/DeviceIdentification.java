package jp.securetoken.examples;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import jp.securetoken.api.Credential;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.SignatureScheme;
import jp.securetoken.api.TokenException;
import jp.securetoken.tls.trust.NodeNames;
import jp.securetoken.tls.trust.NodeTrustManager;
import jp.securetoken.tls.trust.PeerRejectedException;
import jp.securetoken.tls.trust.TrustPolicy;

/**
 * Device-level authentication for remote maintenance (JAHIS use case 2): a maintained device
 * reads its device identification (manufacturer, model, serial) from its token's user data — free
 * to read, written only after login at manufacture — and signs a challenge together with it using
 * its token key; the service centre checks the signature, the device certificate against the
 * manufacturer's CA, and that the certificate names the same serial.
 */
final class DeviceIdentification {
    /** The user data record holding the identification. */
    static final String RECORD = "device-id";
    private static final SignatureScheme SCHEME = SignatureScheme.ECDSA_P256_SHA256;

    private DeviceIdentification() {
    }

    /** The device's answer to a challenge: its identification, the signature and its certificate chain. */
    record Proof(String identification, byte[] signature, List<X509Certificate> chain) {
    }

    /** Device side: read the identification from user data and sign challenge ‖ identification. */
    static Proof prove(SecureToken deviceToken, String alias, byte[] challenge) throws TokenException {
        String identification = new String(deviceToken.userData().read(RECORD).orElseThrow(
                () -> new IllegalStateException("the device token holds no device identification")),
                StandardCharsets.UTF_8);
        Credential credential = deviceToken.credential(alias);
        byte[] signature = credential.key().sign(SCHEME, signed(challenge, identification));
        return new Proof(identification, signature, credential.chain());
    }

    /**
     * Service-centre side: the identified serial when everything checks out, or empty with the
     * reason written to {@code why}.
     */
    static Optional<String> verify(Proof proof, byte[] challenge, TrustPolicy manufacturerTrust, StringBuilder why) {
        try {
            new NodeTrustManager(manufacturerTrust, NodeTrustManager.PeerRole.CLIENT)
                    .validate(proof.chain().toArray(new X509Certificate[0]), null);
            Signature verifier = Signature.getInstance(SCHEME.jcaAlgorithm());
            verifier.initVerify(proof.chain().get(0));
            verifier.update(signed(challenge, proof.identification()));
            if (!verifier.verify(proof.signature())) {
                why.append("the device's signature does not verify");
                return Optional.empty();
            }
            String serial = field(proof.identification(), "serial");
            String certified = NodeNames.nodeId(proof.chain().get(0));
            if (serial == null || !certified.equals(serial)) {
                why.append("the identification names serial ").append(serial).append(" but the certificate names ")
                        .append(certified);
                return Optional.empty();
            }
            return Optional.of(serial);
        } catch (PeerRejectedException e) {
            why.append("device certificate refused: ").append(e.getMessage());
            return Optional.empty();
        } catch (GeneralSecurityException e) {
            why.append("device proof unreadable: ").append(e.getMessage());
            return Optional.empty();
        }
    }

    static String encode(Proof proof) throws GeneralSecurityException {
        StringBuilder chain = new StringBuilder();
        for (X509Certificate c : proof.chain()) {
            chain.append(chain.length() == 0 ? "" : ",").append(Base64.getEncoder().encodeToString(c.getEncoded()));
        }
        return b64(proof.identification().getBytes(StandardCharsets.UTF_8)) + " "
                + Base64.getEncoder().encodeToString(proof.signature()) + " " + chain;
    }

    static Proof decode(String line) throws GeneralSecurityException {
        String[] parts = line.split(" ");
        if (parts.length != 3) {
            throw new GeneralSecurityException("a device proof has three parts");
        }
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        List<X509Certificate> chain = new ArrayList<>();
        for (String c : parts[2].split(",")) {
            chain.add((X509Certificate) cf.generateCertificate(
                    new ByteArrayInputStream(Base64.getDecoder().decode(c))));
        }
        return new Proof(new String(Base64.getDecoder().decode(parts[0]), StandardCharsets.UTF_8),
                Base64.getDecoder().decode(parts[1]), chain);
    }

    private static String b64(byte[] b) {
        return Base64.getEncoder().encodeToString(b);
    }

    private static byte[] signed(byte[] challenge, String identification) {
        byte[] id = identification.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[challenge.length + id.length];
        System.arraycopy(challenge, 0, out, 0, challenge.length);
        System.arraycopy(id, 0, out, challenge.length, id.length);
        return out;
    }

    /** A {@code key=value} field of an identification such as {@code manufacturer=…;model=…;serial=…}. */
    static String field(String identification, String key) {
        for (String part : identification.split(";")) {
            int eq = part.indexOf('=');
            if (eq > 0 && part.substring(0, eq).trim().equals(key)) {
                return part.substring(eq + 1).trim();
            }
        }
        return null;
    }
}
