package jp.securetoken.cli;

import static jp.securetoken.cli.CliTestSupport.expect;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jp.securetoken.testpki.TestPki;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code token list} and {@code token info}, as text and as JSON. */
class TokenInfoTest {
    @TempDir
    static Path dir;
    static Path expiring;
    static Path fresh;

    @BeforeAll
    static void tokens() throws Exception {
        TestPki ca = TestPki.create("CLI Test CA");
        expiring = Tokens.withCredential(dir.resolve("expiring.stk"), ca, Duration.ofDays(30).plusHours(2));
        fresh = Tokens.withCredential(dir.resolve("fresh.stk"), ca, Duration.ofDays(400));
    }

    @Test
    void infoShowsTheCapabilityTableWithJahisLevels() throws Exception {
        Cli.Result r = expect(0, new Cli().run("token", "info", "soft:" + fresh));
        assertTrue(r.out().contains("Token         fresh.stk"), r::toString);
        assertTrue(r.out().matches("(?s).*normal use 7\\.2\\.2 a +M +credential storage +yes.*"), r::toString);
        assertTrue(r.out().matches("(?s).*normal use 7\\.2\\.2 c +C +signature generation with the private key +yes.*"),
                r::toString);
        assertTrue(r.out().matches("(?s).*normal use 7\\.2\\.2 d +O +user data storage +yes.*"), r::toString);
        assertTrue(r.out().matches("(?s).*lifecycle +7\\.2\\.3 a +M +credential storage +yes.*"), r::toString);
        assertTrue(r.out().matches("(?s).*lifecycle +7\\.2\\.3 b +M +token-entity authentication +yes.*"), r::toString);
        assertTrue(r.out().matches("(?s).*lifecycle +7\\.2\\.3 c +M +issuing-server authentication +no.*"), r::toString);
        assertTrue(r.out().matches("(?s).*lifecycle +7\\.2\\.3 f +C +remote write / update +no.*"), r::toString);
        assertTrue(r.out().contains("No issuing-server authentication: the token holds no issuer anchor"), r::toString);
        assertTrue(r.out().contains("Lacks mandatory lifecycle capabilities: issuing-server authentication"),
                r::toString);
    }

    @Test
    void infoShowsSchemesTlsPinsAndCredentials() throws Exception {
        Cli.Result r = expect(0, new Cli().run("token", "info", fresh));
        assertTrue(r.out().contains("ecdsa_secp256r1_sha256"), r::toString);
        assertTrue(r.out().contains("TLS                TLS 1.3 and TLS 1.2"), r::toString);
        assertTrue(r.out().contains("User PIN           5 of 5 tries left"), r::toString);
        assertTrue(r.out().contains("Administrator PIN  5 of 5 tries left"), r::toString);
        assertTrue(r.out().contains("  node  (node authentication, EC key)"), r::toString);
        assertTrue(r.out().contains("subject    CN=clinic-001,O=securetoken test node,C=JP"), r::toString);
        assertTrue(r.out().contains("issuer     CN=CLI Test CA"), r::toString);
        assertTrue(r.out().matches("(?s).*not after  \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC  \\(\\d+ days left\\)\n.*"),
                r::toString);
        assertFalse(r.err().contains("warning"), r::toString);
    }

    @Test
    void infoWarnsWhenFewerThan90DaysRemain() throws Exception {
        Cli.Result r = expect(0, new Cli().run("token", "info", "soft:" + expiring));
        assertTrue(r.out().contains("(30 days left)  WARNING: renew soon"), r::toString);
        assertTrue(r.err().contains("warning: credential 'node' expires in 30 days (fewer than 90)"), r::toString);
    }

    @Test
    void infoJsonParsesAndCarriesTheFacts() throws Exception {
        Cli.Result r = expect(0, new Cli().run("token", "info", "soft:" + expiring, "--json"));
        Map<?, ?> doc = (Map<?, ?>) JsonParser.parse(r.out());
        assertEquals("expiring.stk", doc.get("label"));
        assertEquals("soft:" + expiring, doc.get("uri"));
        List<?> caps = (List<?>) doc.get("capabilities");
        assertEquals(10, caps.size(), "4 capabilities of normal use (7.2.2) and 6 of the lifecycle (7.2.3)");
        Map<?, ?> first = (Map<?, ?>) caps.get(0);
        assertEquals("CREDENTIAL_STORAGE", first.get("id"));
        assertEquals("M", first.get("level"));
        assertEquals("7.2.2 a", first.get("clause"));
        assertEquals(true, first.get("present"));
        assertEquals("クレデンシャル保管機能", first.get("japaneseName"));
        Map<?, ?> lifecycleStorage = (Map<?, ?>) caps.get(4);
        assertEquals("CREDENTIAL_STORAGE", lifecycleStorage.get("id"));
        assertEquals("lifecycle", lifecycleStorage.get("phase"));
        assertEquals("M", lifecycleStorage.get("level"));
        Map<?, ?> issuer = caps.stream().map(c -> (Map<?, ?>) c)
                .filter(c -> "ISSUING_SERVER_AUTHENTICATION".equals(c.get("id"))).findFirst().orElseThrow();
        assertEquals(false, issuer.get("present"));
        assertTrue(String.valueOf(issuer.get("absentBecause")).contains("no issuer anchor"), issuer::toString);
        assertEquals(true, ((Map<?, ?>) doc.get("tls")).get("tls13"));
        Map<?, ?> userPin = (Map<?, ?>) ((List<?>) doc.get("pins")).get(0);
        assertEquals(5L, userPin.get("retriesLeft"));
        assertEquals(false, userPin.get("locked"));
        Map<?, ?> credential = (Map<?, ?>) ((List<?>) doc.get("credentials")).get(0);
        assertEquals("node", credential.get("alias"));
        assertEquals(30L, credential.get("daysToExpiry"));
        assertEquals(true, credential.get("expiryWarning"));
    }

    @Test
    void listFindsTheTokensOfTheSoftDirectory() throws Exception {
        Cli.Result r = expect(0, new Cli().run("token", "list", "--soft-dir", dir));
        assertTrue(r.out().contains("soft:" + expiring + "  expiring.stk"), r::toString);
        assertTrue(r.out().contains("soft:" + fresh + "  fresh.stk"), r::toString);
    }

    @Test
    void listJsonReadsTheDirectoryFromTheEnvironment() throws Exception {
        Cli.Result r = expect(0, new Cli().env("SECURETOKEN_SOFT_DIR", dir.toString()).run("token", "list", "--json"));
        Map<?, ?> doc = (Map<?, ?>) JsonParser.parse(r.out());
        assertEquals(Set.of("soft", "jpki", "pkcs11", "csc"), Set.copyOf((List<?>) doc.get("providers")));
        List<?> tokens = (List<?>) doc.get("tokens");
        assertEquals(2, tokens.size());
        assertEquals("soft:" + expiring, ((Map<?, ?>) tokens.get(0)).get("uri"));
        assertEquals("fresh.stk", ((Map<?, ?>) tokens.get(1)).get("label"));
    }

    @Test
    void listWithoutTokensSaysSo() throws Exception {
        Cli.Result r = expect(0, new Cli().run("token", "list"));
        assertTrue(r.out().contains("No tokens present (providers: ") && r.out().contains("soft:")
                && r.out().contains("jpki:") && r.out().contains("pkcs11:"), r::toString);
    }
}
