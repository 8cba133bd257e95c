package jp.securetoken.tls;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import jp.securetoken.api.CredentialUsage;
import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.PinCallback;
import jp.securetoken.api.SecureToken;
import jp.securetoken.testpki.TestPki;

/**
 * Nodes for TLS tests: each is a real software token, logged in, whose key was generated inside
 * it and certified by a test PKI. Everything made here is closed by {@link #close()}.
 */
final class TestNodes implements AutoCloseable {
    static final String ALIAS = "node";
    static final char[] PIN = "123456".toCharArray();

    private final Path dir;
    private final List<AutoCloseable> open = new ArrayList<>();
    private int count;

    TestNodes(Path dir) {
        this.dir = dir;
    }

    /** A logged-in soft token holding credential {@value #ALIAS} for {@code commonName}. */
    SecureToken node(String commonName, KeyAlgorithm algorithm, TestPki issuer, Consumer<TestPki.Issue> certificate)
            throws Exception {
        SecureToken token = SoftTokenFixture.create(dir.resolve(commonName + "-" + (++count) + ".stk"), PIN);
        open.add(token);
        try (PinCallback.Fixed pin = PinCallback.fixed(PIN)) {
            token.login(pin);
        }
        TestPki.Issue issue = issuer.issue(commonName);
        certificate.accept(issue);
        token.lifecycle().enroll(ALIAS, algorithm, CredentialUsage.NODE_AUTHENTICATION, issue::certifyChain);
        return token;
    }

    <T extends AutoCloseable> T track(T resource) {
        open.add(resource);
        return resource;
    }

    @Override
    public void close() {
        for (int i = open.size() - 1; i >= 0; i--) {
            try {
                open.get(i).close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        open.clear();
    }
}
