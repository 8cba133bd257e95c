package jp.securetoken.jpki.emulator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;

import javax.smartcardio.CardTerminal;

import jp.securetoken.api.SignatureScheme;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fidelity by an outside reader of the card: OpenSC's own JPKI driver ({@code card-jpki.c},
 * {@code pkcs15-jpki.c}) reads and uses the emulated card through pcscd, and openssl checks the
 * signatures against the certificates. Nothing here knows the emulator's internals.
 */
@ExtendWith(PcscdExtension.class)
class OpenScThroughPcscdTest {

    private static final JpkiCardIdentity IDENTITY = JpkiCardIdentity.generate();
    private static final String AUTH_PIN = IDENTITY.pin(JpkiPinRole.AUTHENTICATION);
    private static final String SIGN_PIN = IDENTITY.pin(JpkiPinRole.SIGNATURE);
    private static final String PKCS11_TOOL = "/usr/bin/pkcs11-tool";
    private static final String OPENSC_TOOL = "/usr/bin/opensc-tool";
    private static final String OPENSSL = "/usr/bin/openssl";

    @TempDir
    Path dir;

    private CardTerminal reader;
    private VpcdCardConnection connection;

    @BeforeEach
    void insertCard() {
        reader = PcscReader.vpcd();
        connection = VpcdCardConnection.builder(JpkiCardEmulator.of(IDENTITY)).build();
        connection.insert();
        PcscReader.awaitCard(reader, true);
    }

    @AfterEach
    void removeCard() {
        connection.close();
        PcscReader.awaitCard(reader, false);
    }

    private static String module() {
        String module = System.getProperty("jpki.test.opensc.module", "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so");
        if (!Files.exists(Path.of(module))) {
            throw new IllegalStateException("OpenSC's PKCS#11 module is missing (" + module + "): "
                    + Pcscd.INSTALL_HINT);
        }
        return module;
    }

    private static OutsideTool.Result pkcs11(String... args) {
        List<String> command = OutsideTool.args(PKCS11_TOOL, "--module", module());
        command.addAll(List.of(args));
        return OutsideTool.run(command.toArray(String[]::new));
    }

    private Path write(String name, byte[] content) throws Exception {
        return Files.write(dir.resolve(name), content);
    }

    private Path pem(String name, X509Certificate cert) throws Exception {
        String pem = "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(cert.getEncoded())
                + "\n-----END CERTIFICATE-----\n";
        return Files.writeString(dir.resolve(name), pem);
    }

    /** openssl verifies an RSA PKCS#1 v1.5 SHA-256 signature with the certificate's key. */
    private void assertOpensslVerifies(X509Certificate cert, Path data, Path signature) throws Exception {
        Path certPem = pem("cert.pem", cert);
        Path pub = dir.resolve("pub.pem");
        OutsideTool.run(OPENSSL, "x509", "-in", certPem.toString(), "-pubkey", "-noout", "-out", pub.toString())
                .requireSuccess();
        OutsideTool.Result verify = OutsideTool.run(OPENSSL, "dgst", "-sha256", "-verify", pub.toString(),
                "-signature", signature.toString(), data.toString()).requireSuccess();
        assertTrue(verify.output().contains("Verified OK"), verify.output());
    }

    @Test
    void openScPicksItsJpkiDriverByTheAtr() {
        OutsideTool.Result atr = OutsideTool.run(OPENSC_TOOL, "--reader", "0", "--atr").requireSuccess();
        assertTrue(atr.output().contains("3b:e0:00:ff:81:31:fe:45:14"), atr.output());
        OutsideTool.Result name = OutsideTool.run(OPENSC_TOOL, "--reader", "0", "--name").requireSuccess();
        assertEquals("jpki", name.output().strip());
    }

    @Test
    void openScShowsTheTwoJpkiSlots() {
        OutsideTool.Result slots = pkcs11("--list-token-slots").requireSuccess();
        assertTrue(slots.output().contains("JPKI (User Authentication PIN)"), slots.output());
        assertTrue(slots.output().contains("JPKI (Digital Signature PIN)"), slots.output());
        assertTrue(slots.output().contains("pin min/max        : 4/4"), slots.output());
        assertTrue(slots.output().contains("pin min/max        : 6/16"), slots.output());
    }

    @Test
    void openScReadsTheAuthCertificateWithoutLogin() throws Exception {
        Path out = dir.resolve("auth.der");
        pkcs11("--slot-index", "0", "--read-object", "--type", "cert", "--id", "01", "--output-file",
                out.toString()).requireSuccess();
        assertArrayEquals(IDENTITY.authCertificate().getEncoded(), Files.readAllBytes(out));
    }

    @Test
    void openScReadsBothCaCertificatesWithoutLogin() throws Exception {
        Path authCa = dir.resolve("auth-ca.der");
        Path signCa = dir.resolve("sign-ca.der");
        pkcs11("--slot-index", "0", "--read-object", "--type", "cert", "--id", "03", "--output-file",
                authCa.toString()).requireSuccess();
        pkcs11("--slot-index", "0", "--read-object", "--type", "cert", "--id", "04", "--output-file",
                signCa.toString()).requireSuccess();
        assertArrayEquals(IDENTITY.authCaCertificate().getEncoded(), Files.readAllBytes(authCa));
        assertArrayEquals(IDENTITY.signCaCertificate().getEncoded(), Files.readAllBytes(signCa));
    }

    @Test
    void openScSeesTheSignatureCertificateOnlyAfterTheSignaturePin() throws Exception {
        OutsideTool.Result before = pkcs11("--slot-index", "1", "--list-objects").requireSuccess();
        assertTrue(!before.output().contains("label:      Digital Signature Certificate\n"), before.output());
        Path out = dir.resolve("sign.der");
        pkcs11("--slot-index", "1", "--login", "--pin", SIGN_PIN, "--read-object", "--type", "cert", "--id", "02",
                "--output-file", out.toString()).requireSuccess();
        assertArrayEquals(IDENTITY.signCertificate().getEncoded(), Files.readAllBytes(out));
    }

    @Test
    void openScSignsWithTheAuthKeyAndOpensslVerifies() throws Exception {
        Path data = write("data.bin", "log me in".getBytes(StandardCharsets.UTF_8));
        Path sig = dir.resolve("auth.sig");
        pkcs11("--slot-index", "0", "--login", "--pin", AUTH_PIN, "--sign", "--mechanism", "SHA256-RSA-PKCS",
                "--id", "01", "--input-file", data.toString(), "--output-file", sig.toString()).requireSuccess();
        assertOpensslVerifies(IDENTITY.authCertificate(), data, sig);
    }

    @Test
    void openScSignsWithTheSignatureKeyAfterContextSpecificLoginAndOpensslVerifies() throws Exception {
        OutsideTool.Result objects = pkcs11("--slot-index", "1", "--login", "--pin", SIGN_PIN, "--list-objects")
                .requireSuccess();
        assertTrue(objects.output().contains("always authenticate"), objects.output());
        Path data = write("doc.bin", "sign this document".getBytes(StandardCharsets.UTF_8));
        Path sig = dir.resolve("sign.sig");
        pkcs11("--slot-index", "1", "--login", "--pin", SIGN_PIN, "--sign", "--mechanism", "SHA256-RSA-PKCS",
                "--id", "02", "--input-file", data.toString(), "--output-file", sig.toString()).requireSuccess();
        assertOpensslVerifies(IDENTITY.signCertificate(), data, sig);
    }

    @Test
    void openScSignsAHostBuiltDigestInfoWithRsaPkcs() throws Exception {
        byte[] message = "precomputed".getBytes(StandardCharsets.UTF_8);
        byte[] digestInfo = SignatureScheme.RSA_PKCS1_SHA256.digestInfo(
                MessageDigest.getInstance("SHA-256").digest(message));
        Path in = write("digestinfo.bin", digestInfo);
        Path sig = dir.resolve("raw.sig");
        pkcs11("--slot-index", "0", "--login", "--pin", AUTH_PIN, "--sign", "--mechanism", "RSA-PKCS", "--id", "01",
                "--input-file", in.toString(), "--output-file", sig.toString()).requireSuccess();
        Signature v = Signature.getInstance("SHA256withRSA");
        v.initVerify(IDENTITY.authCertificate());
        v.update(message);
        assertTrue(v.verify(Files.readAllBytes(sig)));
    }

    @Test
    void openScReportsAWrongPinAndTheCardCountsIt() {
        OutsideTool.Result wrong = pkcs11("--slot-index", "0", "--login", "--pin", "0000", "--list-objects");
        assertNotEquals(0, wrong.exitCode());
        assertTrue(wrong.output().contains("CKR_PIN_INCORRECT"), wrong.output());
        OutsideTool.Result info = pkcs11("--slot-index", "0", "--list-token-slots").requireSuccess();
        assertTrue(info.output().contains("count low") || info.output().contains("PIN count low"), info.output());
    }
}
