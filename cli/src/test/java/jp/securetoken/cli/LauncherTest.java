package jp.securetoken.cli;

import static jp.securetoken.cli.CliTestSupport.expect;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jp.securetoken.testpki.HeldCertificate;
import jp.securetoken.testpki.TestPki;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/nodeauth}, the launcher users run, chooses the JIT by command: a command that runs
 * until stopped ({@code serve}, {@code issuer serve}, {@code jpki emulate}) gets the full tiered
 * compiler (C2 signs RSA-2048 about ten times faster than C1), every other command stops at C1
 * ({@code -XX:TieredStopAtLevel=1}) to start fast, and {@code NODEAUTH_JAVA_OPTS} replaces both.
 *
 * <p>The real script runs in a copy of the repository's layout whose {@code cli/target} jar names
 * this module's class path in its manifest (the build makes the real jar only after the tests). The
 * flags are read from the JVM itself ({@code -XX:+PrintFlagsFinal} through {@code JAVA_TOOL_OPTIONS},
 * which the launcher does not touch) and, for a running {@code serve}, from {@code /proc/PID/cmdline}.
 */
class LauncherTest {
    private static final Pattern TIERED_STOP = Pattern.compile("\\s*intx TieredStopAtLevel\\s+= (\\d+) .*");
    private static final Pattern LISTENING = Pattern.compile("Listening on 127\\.0\\.0\\.1:(\\d+) as .*");

    @TempDir
    static Path dir;
    static Path launcher;
    static Path gateway;
    static Path ca;

    @BeforeAll
    static void repositoryLayout() throws Exception {
        Path root = dir.resolve("repository");
        Path target = Files.createDirectories(root.resolve("cli/target/lib"));
        launcher = Files.copy(Path.of("").toAbsolutePath().getParent().resolve("bin/nodeauth"),
                Files.createDirectories(root.resolve("bin")).resolve("nodeauth"), StandardCopyOption.COPY_ATTRIBUTES);
        assertTrue(Files.isExecutable(launcher), launcher + " is not executable");
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        List<String> classPath = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            classPath.add(Path.of(entry).toAbsolutePath().toUri().toString());
        }
        manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH, String.join(" ", classPath));
        try (OutputStream out = Files.newOutputStream(target.getParent().resolve("cli-test.jar"));
                JarOutputStream jar = new JarOutputStream(out, manifest)) {
            jar.flush();
        }
        TestPki pki = TestPki.create("Launcher CA");
        ca = Files.writeString(dir.resolve("ca.pem"), HeldCertificate.pem(pki.caCertificate()));
        gateway = Tokens.node(dir.resolve("gateway.stk"), pki, "gateway", true);
    }

    /** The launcher, with this JVM's {@code java} first on the path and the JVM's final flags printed first. */
    private static Cli nodeauth() {
        return CliTestSupport.withPins().through(launcher)
                .env("PATH", Path.of(System.getProperty("java.home"), "bin") + File.pathSeparator + System.getenv("PATH"))
                .env("JAVA_TOOL_OPTIONS", "-XX:+PrintFlagsFinal");
    }

    /** TieredStopAtLevel as the JVM printed it among its final flags. */
    private static int tieredStopAtLevel(String flags) {
        for (String line : flags.split("\n")) {
            Matcher m = TIERED_STOP.matcher(line);
            if (m.matches()) {
                return Integer.parseInt(m.group(1));
            }
        }
        throw new AssertionError("no TieredStopAtLevel among the flags:\n" + flags);
    }

    /** Starts {@code serve} through the launcher; its final TieredStopAtLevel and its command line. */
    private static int serveLevel(Cli cli, List<String> commandLine) throws Exception {
        try (Cli.Running server = cli.background("serve", "--token", gateway, "--alias", "node", "--ca", ca,
                "--port", "0", "--pin-env", "UPIN")) {
            StringBuilder flags = new StringBuilder();
            String line;
            while (!(line = server.nextLine()).startsWith("Listening on ")) {
                flags.append(line).append('\n');
            }
            assertTrue(LISTENING.matcher(line).matches(), line);
            byte[] cmdline = Files.readAllBytes(Path.of("/proc", Long.toString(server.pid()), "cmdline"));
            commandLine.addAll(List.of(new String(cmdline, StandardCharsets.UTF_8).split("\0")));
            return tieredStopAtLevel(flags.toString());
        }
    }

    @Test
    void serveRunsWithTheFullJitCompiler() throws Exception {
        List<String> commandLine = new ArrayList<>();
        assertEquals(4, serveLevel(nodeauth(), commandLine), "C2 (level 4) for a server");
        assertTrue(commandLine.get(0).endsWith("java"), "the launcher replaced itself with the JVM: " + commandLine);
        assertFalse(commandLine.stream().anyMatch(a -> a.startsWith("-XX:TieredStopAtLevel")), commandLine::toString);
        assertTrue(commandLine.contains("serve"), commandLine::toString);
    }

    @Test
    void nodeauthJavaOptsReplacesTheLaunchersChoice() throws Exception {
        List<String> commandLine = new ArrayList<>();
        assertEquals(1, serveLevel(nodeauth().env("NODEAUTH_JAVA_OPTS", "-XX:TieredStopAtLevel=1 -Xmx256m"),
                commandLine));
        assertTrue(commandLine.contains("-Xmx256m"), commandLine::toString);
        assertEquals(4, tieredStopAtLevel(expect(0, nodeauth().env("NODEAUTH_JAVA_OPTS", "-Xshare:auto")
                .run("--version")).out()), "a short command at C2 when asked");
    }

    @Test
    void otherCommandsThatRunUntilStoppedGetTheFullJitToo() throws Exception {
        // --help: the launcher decides by the command words alone, before the JVM starts
        for (List<String> command : List.of(List.of("issuer", "serve", "--help"), List.of("jpki", "emulate", "--help"),
                List.of("-v", "serve", "--help"))) {
            Cli.Result r = expect(0, nodeauth().run(command.toArray()));
            assertEquals(4, tieredStopAtLevel(r.out()), command::toString);
        }
    }

    @Test
    void shortCommandsStopAtC1ToStartFast() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("no-tokens"));
        for (List<String> command : List.of(List.of("--version"), List.of("token", "list", "--soft-dir",
                empty.toString()), List.of("connect", "--help"), List.of("issuer", "list", "--help"),
                List.of("token", "info", "serve"))) {
            Cli.Result r = nodeauth().run(command.toArray());
            assertEquals(1, tieredStopAtLevel(r.out()), command::toString);
        }
    }

    @Test
    void theBuiltLauncherSaysHowToBuildWhenTheJarIsMissing() throws IOException, InterruptedException {
        Path bare = Files.createDirectories(dir.resolve("bare/bin"));
        Path script = Files.copy(launcher, bare.resolve("nodeauth"), StandardCopyOption.COPY_ATTRIBUTES,
                StandardCopyOption.REPLACE_EXISTING);
        Cli.Result r = expect(1, new Cli().through(script).run("serve"));
        assertTrue(r.err().contains("not built yet"), r::toString);
    }
}
