package jp.securetoken.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import jp.securetoken.api.CredentialUsage;
import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.PinCallback;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.TokenKey;
import jp.securetoken.soft.SoftTokenSettings;
import jp.securetoken.soft.SoftTokens;
import jp.securetoken.testpki.HeldCertificate;
import jp.securetoken.testpki.TestPki;

/** Real software token files for the CLI tests, made in-process with the lowest KDF cost. */
final class Tokens {
    static final String USER_PIN = "user-2468";
    static final String ADMIN_PIN = "admin-1357";

    private Tokens() {
    }

    /** An empty token at {@code file}, labelled with the file's name. */
    static Path empty(Path file, int maxRetries) throws Exception {
        try (PinCallback.Fixed user = PinCallback.fixed(USER_PIN.toCharArray());
                PinCallback.Fixed admin = PinCallback.fixed(ADMIN_PIN.toCharArray())) {
            SoftTokens.create(file, SoftTokenSettings.builder(file.getFileName().toString()).userPin(user)
                    .administratorPin(admin).maxRetries(maxRetries)
                    .kdfIterations(SoftTokenSettings.MIN_KDF_ITERATIONS).build());
        }
        return file;
    }

    /** A token holding credential {@code node}: an EC P-256 key whose certificate expires after {@code validity}. */
    static Path withCredential(Path file, TestPki ca, Duration validity) throws Exception {
        empty(file, 5);
        try (SecureToken token = SoftTokens.open(file);
                PinCallback.Fixed user = PinCallback.fixed(USER_PIN.toCharArray())) {
            token.login(user);
            TokenKey key = token.lifecycle().generateKeyPair("node", KeyAlgorithm.EC_P256);
            List<java.security.cert.X509Certificate> chain = ca.issue("clinic-001").clientAuth().validFor(validity)
                    .certifyChain(key.publicKey());
            token.lifecycle().writeCredential("node", chain, CredentialUsage.NODE_AUTHENTICATION);
        }
        return file;
    }

    /** A token holding credential {@code node} for {@code commonName}, with clientAuth and, for servers, serverAuth. */
    static Path node(Path file, TestPki ca, String commonName, boolean server) throws Exception {
        return node(file, ca, commonName, server, issue -> { });
    }

    /** As {@link #node(Path, TestPki, String, boolean)}, with more said of the certificate (e.g. its DNS names). */
    static Path node(Path file, TestPki ca, String commonName, boolean server,
            java.util.function.Consumer<TestPki.Issue> more) throws Exception {
        empty(file, 5);
        try (SecureToken token = SoftTokens.open(file);
                PinCallback.Fixed user = PinCallback.fixed(USER_PIN.toCharArray())) {
            token.login(user);
            TokenKey key = token.lifecycle().generateKeyPair("node", KeyAlgorithm.EC_P256);
            TestPki.Issue issue = ca.issue(commonName).clientAuth();
            if (server) {
                issue.serverAuth();
            }
            more.accept(issue);
            token.lifecycle().writeCredential("node", issue.certifyChain(key.publicKey()),
                    CredentialUsage.NODE_AUTHENTICATION);
        }
        return file;
    }

    static String pem(List<java.security.cert.X509Certificate> chain) {
        StringBuilder s = new StringBuilder();
        chain.forEach(c -> s.append(HeldCertificate.pem(c)));
        return s.toString();
    }
}
