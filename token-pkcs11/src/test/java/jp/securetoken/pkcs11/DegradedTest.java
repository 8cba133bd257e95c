package jp.securetoken.pkcs11;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import jp.securetoken.api.SecureToken;
import org.junit.jupiter.api.Test;

/**
 * Without {@code --add-exports jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED} the
 * module still opens tokens by slot-id, logs in, generates keys, imports certificates and signs
 * with PKCS#1 v1.5 and ECDSA through SunPKCS11's public API; what needs the wrapper says so.
 */
class DegradedTest {

    @Test
    void withoutTheWrapperFlagTheJcaPartsWorkAndTheRestSaysWhy() throws Exception {
        long slot;
        try (SecureToken token = SoftHsm.open("degraded")) {
            slot = ((Pkcs11Token) token).slot();
        }
        Map<String, String> seen = runChild(Long.toUnsignedString(slot));
        assertEquals("false", seen.get("wrapper"));
        assertEquals("refused", seen.get("byLabel"));
        assertEquals("[ecdsa_secp256r1_sha256, ecdsa_secp384r1_sha384, ecdsa_secp521r1_sha512, rsa_pkcs1_sha256,"
                + " rsa_pkcs1_sha384, rsa_pkcs1_sha512]", seen.get("schemes"), "no PSS without C_Sign access");
        assertEquals("unsupported", seen.get("pinStatus"));
        assertEquals("retries-unknown", seen.get("wrongPin"));
        assertEquals("verified", seen.get("sign-EC_P256"));
        assertEquals("verified", seen.get("sign-RSA_2048"));
        assertEquals("absent", seen.get("userData"));
        assertEquals("unsupported", seen.get("list"));
        assertEquals("true", seen.get("done"));
    }

    private static Map<String, String> runChild(String slot) throws IOException, InterruptedException {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), "-Dsofthsm.dir=" + System.getProperty("softhsm.dir"),
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", DegradedChild.class.getName(), slot);
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the child JVM did not finish:\n" + out);
        }
        Map<String, String> seen = new HashMap<>();
        for (String line : out.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                seen.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        if (!seen.containsKey("done")) {
            throw new AssertionError("the child JVM failed (exit " + p.exitValue() + "):\n" + out);
        }
        return seen;
    }
}
