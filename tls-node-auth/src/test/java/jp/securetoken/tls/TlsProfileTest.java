package jp.securetoken.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import jp.securetoken.api.CredentialSource;
import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.SecureToken;
import jp.securetoken.tls.trust.TrustPolicy;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class TlsProfileTest extends LoopbackNodesTest {
    private NodeTlsContext server(TlsProfile profile, TlsStack stack, KeyAlgorithm algorithm) throws Exception {
        SecureToken token = nodes.node("gateway", algorithm, pki, i -> i.serverAuth());
        return nodes.track(NodeTls.server(CredentialSource.of(token, TestNodes.ALIAS))
                .trustPolicy(TrustPolicy.builder().trustAnchors(pki.caCertificate()).build())
                .profile(profile).stack(stack).build());
    }

    @ParameterizedTest
    @EnumSource(TlsProfile.class)
    void everyProfileOffersOnlyForwardSecretAeadSuitesFromTls12Up(TlsProfile profile) throws Exception {
        for (TlsStack stack : TlsStack.values()) {
            NodeTlsContext context = server(profile, stack, KeyAlgorithm.EC_P256);
            assertEquals(List.of("TLSv1.3", "TLSv1.2"), context.protocols());
            assertFalse(context.cipherSuites().isEmpty(), stack + " offers suites");
            for (String suite : context.cipherSuites()) {
                boolean tls13 = suite.startsWith("TLS_AES_") || suite.startsWith("TLS_CHACHA20_");
                boolean forwardSecret = tls13 || suite.startsWith("TLS_ECDHE_") || suite.startsWith("TLS_DHE_");
                boolean aead = suite.contains("_GCM_") || suite.contains("CHACHA20_POLY1305");
                assertTrue(forwardSecret && aead, stack + " " + profile + " offers " + suite);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(TlsStack.class)
    void atnaOffersItsFourNamedSuites(TlsStack stack) throws Exception {
        List<String> suites = server(TlsProfile.ATNA_BCP195, stack, KeyAlgorithm.RSA_2048).cipherSuites();
        assertTrue(suites.containsAll(List.of("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384")), suites.toString());
        List<String> dhe = List.of("TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384");
        if (stack == TlsStack.OPENSSL) {
            // BoringSSL has no finite-field DHE at all: a documented limit of the native stack
            assertTrue(suites.stream().noneMatch(dhe::contains), suites.toString());
        } else {
            assertTrue(suites.containsAll(dhe), suites.toString());
        }
    }

    @ParameterizedTest
    @EnumSource(TlsStack.class)
    void mhlwHighSecurityAllowsTls12OnlyWithEcdhe(TlsStack stack) throws Exception {
        List<String> suites = server(TlsProfile.MHLW_HIGH_SECURITY, stack, KeyAlgorithm.RSA_2048).cipherSuites();
        assertTrue(suites.stream().filter(s -> s.startsWith("TLS_") && s.contains("_WITH_"))
                .allMatch(s -> s.startsWith("TLS_ECDHE_")), suites.toString());
        assertEquals("TLS_AES_256_GCM_SHA384", suites.get(0), "TLS 1.3 first");
    }
}
