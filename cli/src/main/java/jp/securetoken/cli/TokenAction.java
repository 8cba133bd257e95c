package jp.securetoken.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;

import jp.securetoken.api.PinCallback;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.SecureTokens;
import jp.securetoken.api.TokenException;
import jp.securetoken.soft.SoftTokenConfig;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * What every command shares: its output streams, the settings of the {@code nodeauth} command
 * line, opening a token from the address a user typed, reading PINs, reading and writing files.
 */
abstract class TokenAction implements Callable<Integer> {
    private static final Pattern HAS_SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*:.*");

    @Spec
    CommandSpec spec;

    /** Runs the command; an exception ends it with the code {@link ExitCode#of} gives. */
    abstract void run() throws Exception;

    @Override
    public final Integer call() throws Exception {
        run();
        out().flush();
        return ExitCode.OK.code();
    }

    final PrintWriter out() {
        return spec.commandLine().getOut();
    }

    final PrintWriter err() {
        return spec.commandLine().getErr();
    }

    final NodeAuth root() {
        return (NodeAuth) spec.root().userObject();
    }

    /** A reader for this command's PINs; close it to wipe the PINs read ahead. */
    final PinReader pins() {
        return new PinReader(System.console(), System.in, root().pinStdin, err(), System::getenv);
    }

    /**
     * Opens a token from a URI ({@code soft:/abs/node.stk}, {@code jpki:auth}, {@code pkcs11:...}) or,
     * for convenience, from the path of a software token file.
     */
    static SecureToken open(String address) throws TokenException {
        SecureTokens tokens = SecureTokens.discover();
        if (HAS_SCHEME.matcher(address).matches()) {
            return tokens.open(address);
        }
        return tokens.open(new SoftTokenConfig(Path.of(address).toAbsolutePath().normalize()));
    }

    /**
     * Logs the token in with the device key of {@code device} when one is given, else with the
     * user PIN from {@code userPin} (or a prompt).
     */
    static void login(SecureToken token, PinReader pins, PinOptions.User userPin, PinOptions.Device device)
            throws TokenException, CliException {
        if (device != null && device.file != null) {
            if (!token.isLoggedIn()) {
                token.login(DeviceKeys.read(device.file));
            }
            return;
        }
        login(token, pins.callback("user PIN", userPin.source(), false));
    }

    static void login(SecureToken token, PinCallback pin) throws TokenException {
        if (!token.isLoggedIn()) {
            token.login(pin);
        }
    }

    /** Runs a possibly slow operation with a spinner when at a terminal. */
    final <T> T withProgress(String what, Progress.Operation<T> operation) throws Exception {
        return Progress.during(err(), System.console() != null, what, operation);
    }

    /** The largest input file read (certificates, chains, CRLs, user data values): 16 MiB. */
    static final int MAX_INPUT = 16 * 1024 * 1024;

    /** The bytes of an input file, at most {@link #MAX_INPUT} (exit 6 beyond, so /dev/zero cannot exhaust memory). */
    static byte[] readInput(Path file, String what) throws CliException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes(MAX_INPUT + 1);
            if (bytes.length > MAX_INPUT) {
                throw new CliException(ExitCode.BAD_INPUT, "the " + what + " " + file + " is larger than "
                        + MAX_INPUT / (1024 * 1024) + " MiB; it is not a certificate, CRL or record");
            }
            return bytes;
        } catch (IOException e) {
            throw new CliException(ExitCode.BAD_INPUT, "the " + what + " " + file + " cannot be read ("
                    + describe(e) + ")", e);
        }
    }

    /** Writes bytes to {@code file}, or to standard output when it is null. */
    final void writeOutput(Path file, byte[] bytes) throws CliException {
        if (file == null) {
            out().flush();
            System.out.write(bytes, 0, bytes.length);
            System.out.flush();
            return;
        }
        try {
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new CliException(ExitCode.FAILURE, "cannot write " + file + " (" + describe(e) + ")", e);
        }
    }

    final void writeOutput(Path file, String text) throws CliException {
        if (file == null) {
            out().print(text);
            out().flush();
            return;
        }
        writeOutput(file, text.getBytes(StandardCharsets.UTF_8));
    }

    private static String describe(IOException e) {
        return e instanceof java.nio.file.NoSuchFileException ? "no such file"
                : e instanceof java.nio.file.AccessDeniedException ? "permission denied"
                : e.getClass().getSimpleName();
    }
}
