package jp.securetoken.jpki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jp.securetoken.jpki.emulator.PcscdExtension;
import jp.securetoken.testsupport.SoftHsm2;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * "One library loaded at a time and released before another" (the JPKI library API specification,
 * 4.2 and 5.4) across two real libraries: OpenSC's module over the emulated card in pcscd's vpcd
 * reader, and SoftHSM2's laid out with the official labels ({@link JpkiLibraryRouteTest}). While one
 * is loaded, opening a token through the other is refused, naming the loaded one; once the token is
 * closed (C_Finalize), the other loads, logs in and signs, and OpenSC's module then initialises
 * afresh and signs again. In a child JVM ({@link LibrarySwitchProcess}): in this one, a SunPKCS11
 * instance of another test may hold OpenSC's module initialised, and SunPKCS11 never finalises.
 */
@ExtendWith(PcscdExtension.class)
class OneLibraryAtATimeTest {
    private static final String OPENSC = System.getProperty("jpki.test.opensc.module");

    @BeforeAll
    static void layOutTheSoftHsm2Token() throws Exception {
        JpkiLibraryRouteTest.layOutTheToken();
    }

    @Test
    void openScsModuleAndSoftHsm2AreLoadedOneAtATimeAndEachReleasedBeforeTheOther() throws Exception {
        List<String> lines;
        try (CardInReader card = CardInReader.insert()) {
            lines = run(OPENSC, JpkiLibraryRouteTest.uri, CardInReader.AUTH_PIN, JpkiLibraryRouteTest.PIN);
        }
        String openSc = Path.of(OPENSC).getFileName().toString();
        String softHsm = SoftHsm2.MODULE.getFileName().toString();
        String cardSigned = "signed with " + sha256(CardInReader.IDENTITY.authCertificate()) + ": verified";
        assertEquals(List.of(
                "loaded " + OPENSC,
                "refused: TokenBusyException naming " + openSc,
                cardSigned,
                "loaded none",
                "loaded " + SoftHsm2.MODULE,
                "refused: TokenBusyException naming " + softHsm,
                "signed with " + sha256(JpkiLibraryRouteTest.userCertificate) + ": verified",
                "loaded none",
                cardSigned,
                "loaded none"), lines);
    }

    private static List<String> run(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-exports", "jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED",
                "--add-opens", "java.smartcardio/sun.security.smartcardio=ALL-UNNAMED",
                "-Dsun.security.smartcardio.library=" + System.getProperty("sun.security.smartcardio.library"),
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", System.getProperty("java.class.path"), LibrarySwitchProcess.class.getName()));
        command.addAll(List.of(args));
        Process child = new ProcessBuilder(command).start(); // SOFTHSM2_CONF passed on from surefire's environment
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(child.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (java.io.IOException e) {
                return e.toString();
            }
        });
        String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the child JVM did not finish");
        assertEquals(0, child.exitValue(), () -> out + err.join());
        return out.lines().toList();
    }

    private static String sha256(X509Certificate certificate) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
    }
}
