package jp.securetoken.cli;

import static jp.securetoken.cli.CliTestSupport.expect;
import static jp.securetoken.cli.CliTestSupport.withPins;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import jp.securetoken.soft.SoftTokens;
import jp.securetoken.testpki.TestPki;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Every command that works on a token takes it as {@code --token URI}; the commands that took it
 * positionally still do.
 */
class TokenOptionTest {
    /** The commands that work on no token. */
    private static final Set<String> WITHOUT_TOKEN = Set.of("token list", "verify", "jpki emulate", "issuer invite",
            "issuer list", "issuer revoke");
    /** The commands that took the token (or the file of a new one) as their first positional argument. */
    private static final Set<String> POSITIONAL = Set.of("token info", "soft init", "keygen", "csr", "cert import",
            "cert export", "pin change", "pin unlock", "userdata get", "userdata set", "userdata list");

    @TempDir
    Path dir;

    private static void leaves(CommandLine command, List<CommandLine> out) {
        if (command.getSubcommands().isEmpty()) {
            out.add(command);
        }
        // a command's aliases map to the same CommandLine
        new java.util.LinkedHashSet<>(command.getSubcommands().values()).forEach(sub -> leaves(sub, out));
    }

    private static String name(CommandSpec spec) {
        return spec.qualifiedName(" ").replaceFirst("^nodeauth ", "");
    }

    @Test
    void everyCommandThatAddressesATokenTakesTokenAndThePositionalFormStays() {
        List<CommandLine> all = new ArrayList<>();
        leaves(new CommandLine(new NodeAuth()), all);
        List<String> seen = new ArrayList<>();
        for (CommandLine c : all) {
            CommandSpec spec = c.getCommandSpec();
            String name = name(spec);
            seen.add(name);
            if (WITHOUT_TOKEN.contains(name)) {
                assertEquals(null, spec.findOption("--token"), name + " works on no token");
                continue;
            }
            assertTrue(spec.findOption("--token") != null, "nodeauth " + name + " has no --token option");
            if (POSITIONAL.contains(name)) {
                List<PositionalParamSpec> positional = spec.positionalParameters();
                // "URI" or "FILE" optional, or "[URI] NAME" (userdata get and set: one or two arguments)
                assertTrue(!positional.isEmpty() && (positional.get(0).arity().min() == 0
                        && positional.get(0).paramLabel().matches("URI|FILE")
                        || positional.get(0).paramLabel().startsWith("[URI] ")),
                        "nodeauth " + name + " still takes the token as an optional first argument: " + positional);
            }
        }
        assertTrue(seen.containsAll(POSITIONAL), "the commands named here exist: " + seen);
        assertTrue(seen.containsAll(Set.of("sign", "serve", "connect", "enroll", "renew", "issuer init",
                "issuer serve", "soft import")), seen::toString);
    }

    @Test
    void aTokenIsMadeAndManagedWithTokenOnly() throws Exception {
        String uri = "soft:" + dir.resolve("node.stk");
        Cli.Result init = expect(0, withPins().run("soft", "init", "--token", uri, "--label", "by-option",
                "--kdf-iterations", "10000", "--pin-env", "UPIN", "--admin-pin-env", "APIN"));
        assertTrue(init.out().contains("Created software token 'by-option' at " + uri), init::toString);
        Cli.Result twice = expect(2, withPins().run("soft", "init", dir.resolve("other.stk"), "--token", uri,
                "--label", "x", "--pin-env", "UPIN", "--admin-pin-env", "APIN"));
        assertTrue(twice.err().contains("give the token once"), twice::toString);
        assertTrue(!Files.exists(dir.resolve("other.stk")));

        expect(0, withPins().run("keygen", "--token", uri, "--alias", "node", "--algorithm", "EC_P256", "--pin-env",
                "UPIN"));
        Path csr = dir.resolve("node.csr");
        expect(0, withPins().run("csr", "--token", uri, "--alias", "node", "--subject", "CN=clinic-001", "--out", csr,
                "--pin-env", "UPIN"));
        org.bouncycastle.pkcs.PKCS10CertificationRequest request = new org.bouncycastle.pkcs.PKCS10CertificationRequest(
                java.util.Base64.getMimeDecoder().decode(Files.readString(csr)
                        .replaceAll("-----[A-Z ]+-----", "")));
        java.security.PublicKey key = new org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest(request)
                .getPublicKey();
        List<X509Certificate> chain = TestPki.create("Regional CA").issue("clinic-001").clientAuth()
                .certifyChain(key);
        Path chainFile = Files.writeString(dir.resolve("chain.pem"), Tokens.pem(chain));
        expect(0, withPins().run("cert", "import", "--token", uri, "--alias", "node", "--chain", chainFile,
                "--pin-env", "UPIN"));
        Cli.Result exported = expect(0, new Cli().run("cert", "export", "--token", uri, "--alias", "node"));
        assertEquals(chain.get(0), SoftTokens.readCertificates(exported.outBytes()).get(0));

        expect(0, withPins().run("userdata", "set", "--token", uri, "site", "--value", "clinic-001", "--pin-env",
                "UPIN"));
        assertEquals("clinic-001", expect(0, new Cli().run("userdata", "get", "--token", uri, "site")).out());
        assertTrue(expect(0, new Cli().run("userdata", "list", "--token", uri)).out().contains("site"));

        expect(0, withPins().env("NEW", "user-1111").run("pin", "change", "--token", uri, "--pin-env", "UPIN",
                "--new-pin-env", "NEW"));
        expect(0, withPins().env("NEW", "user-2222").run("pin", "unlock", "--token", uri, "--admin-pin-env", "APIN",
                "--new-pin-env", "NEW"));
        Cli.Result info = expect(0, new Cli().env("P", "user-2222").run("token", "info", "--token", uri, "--pin-env",
                "P"));
        assertTrue(info.out().contains("  node  (node authentication, EC key)"), info::toString);
    }
}
