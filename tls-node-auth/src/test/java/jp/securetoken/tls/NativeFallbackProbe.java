package jp.securetoken.tls;

import java.nio.file.Path;
import jp.securetoken.api.CredentialSource;
import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.SecureToken;
import jp.securetoken.testpki.TestPki;
import jp.securetoken.tls.trust.TrustPolicy;

/**
 * Run in a JVM of its own by {@link NativeStackTest}: builds a server context asking for the
 * native stack and prints which stack it got.
 */
public final class NativeFallbackProbe {
    private NativeFallbackProbe() {
    }

    public static void main(String[] args) throws Exception {
        TestPki pki = TestPki.create("Probe CA");
        try (TestNodes nodes = new TestNodes(Path.of(args[0]))) {
            SecureToken token = nodes.node("gateway", KeyAlgorithm.EC_P256, pki, i -> i.serverAuth());
            try (NodeTlsContext context = NodeTls.server(CredentialSource.of(token, TestNodes.ALIAS))
                    .trustPolicy(TrustPolicy.builder().trustAnchors(pki.caCertificate()).build())
                    .stack(TlsStack.OPENSSL).build()) {
                System.out.println("stack=" + context.stack());
            }
        }
    }
}
