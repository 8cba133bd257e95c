package jp.securetoken.cli;

import java.io.BufferedInputStream;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;

import jp.securetoken.api.PinCallback;
import jp.securetoken.api.PinEntryCancelledException;
import jp.securetoken.api.PinRequest;
import jp.securetoken.api.PinRole;
import jp.securetoken.api.PinText;

/**
 * Makes the {@link PinCallback}s of one command: from an environment variable, from the first line
 * of a file, from a no-echo prompt on the terminal, or (only when asked with {@code --pin-stdin})
 * from a line of standard input. PINs read ahead of time are wiped when this reader is closed;
 * PINs handed to a token are wiped by the token. A PIN is never printed.
 */
final class PinReader implements AutoCloseable {
    private static final int CONFIRM_ATTEMPTS = 3;

    private final Console console;
    private final InputStream stdin;
    private final boolean stdinAllowed;
    private final PrintWriter err;
    private final UnaryOperator<String> environment;
    private final List<PinCallback.Fixed> readAhead = new ArrayList<>();

    PinReader(Console console, InputStream stdin, boolean stdinAllowed, PrintWriter err,
            UnaryOperator<String> environment) {
        this.console = console;
        this.stdin = stdin;
        this.stdinAllowed = stdinAllowed;
        this.err = err;
        this.environment = environment;
    }

    /**
     * The callback for one PIN.
     *
     * @param what      the PIN as the options name it, e.g. "user PIN", for messages
     * @param source    the options that may name the PIN's environment variable or file
     * @param newPin    whether the PIN is being set (a prompt then asks twice)
     * @throws CliException when no source is given and there is no way to ask
     */
    PinCallback callback(String what, PinOptions.Source source, boolean newPin) throws CliException {
        if (source.env() != null && source.file() != null) {
            throw new CliException(ExitCode.USAGE, "give the " + what + " with " + source.envOption() + " or "
                    + source.fileOption() + ", not both");
        }
        if (source.env() != null) {
            String value = environment.apply(source.env());
            if (value == null) {
                throw new CliException(ExitCode.USAGE, "the environment variable " + source.env() + " (" + what
                        + ", " + source.envOption() + ") is not set");
            }
            return remember(value.toCharArray());
        }
        if (source.file() != null) {
            return remember(firstLine(source.file(), what));
        }
        if (console != null) {
            return request -> prompt(request, newPin);
        }
        if (stdinAllowed) {
            return request -> readLine();
        }
        throw new CliException(ExitCode.USAGE, "there is no terminal to ask for the " + what + "; give "
                + source.envOption() + " NAME, " + source.fileOption() + " FILE or --pin-stdin");
    }

    /**
     * Gets the PIN now (prompting if that is where it comes from) and returns a callback that gives
     * it, for operations that must not be interrupted by a prompt (e.g. while a spinner runs).
     *
     * @throws PinEntryCancelledException when the prompt or standard input gives no PIN
     */
    PinCallback now(String what, PinOptions.Source source, boolean newPin, PinRequest request)
            throws CliException, PinEntryCancelledException {
        char[] pin = callback(what, source, newPin).providePin(request);
        if (pin == null) {
            throw new PinEntryCancelledException(request.role());
        }
        try {
            return remember(pin);
        } finally {
            Arrays.fill(pin, '\0');
        }
    }

    /**
     * A secret that is not a token PIN (a PKCS#12 file's password), got like one: from the
     * environment variable or file the options name, else a no-echo prompt, else standard input when
     * {@code --pin-stdin} allows it. The caller wipes the returned array.
     *
     * @throws PinEntryCancelledException when the prompt or standard input gives nothing
     */
    char[] secret(String what, PinOptions.Source source) throws CliException, PinEntryCancelledException {
        char[] secret;
        if (source.env() == null && source.file() == null && console != null) {
            secret = console.readPassword("%s", capitalised(what) + ": ");
        } else {
            secret = callback(what, source, false).providePin(new PinRequest(PinRole.USER, what, null, -1, null));
        }
        if (secret == null) {
            throw new PinEntryCancelledException(PinRole.USER);
        }
        return secret;
    }

    private PinCallback remember(char[] pin) {
        PinCallback.Fixed fixed = PinCallback.fixed(pin);
        Arrays.fill(pin, '\0');
        readAhead.add(fixed);
        return fixed;
    }

    private char[] prompt(PinRequest request, boolean newPin) {
        String label = request.tokenLabel() == null ? "" : " of token '" + request.tokenLabel() + "'";
        String tries = newPin || request.retriesLeft() < 0 ? "" : ", " + request.retriesLeft() + " tries left";
        String rule = request.rule() == null ? "" : " (" + request.rule() + ")";
        String text = capitalised(request.role().displayName()) + label + " [" + request.purpose() + tries + "]"
                + (newPin ? rule : "") + ": ";
        for (int attempt = 0; attempt < CONFIRM_ATTEMPTS; attempt++) {
            char[] first = console.readPassword("%s", text);
            if (first == null || !newPin) {
                return first;
            }
            char[] second = console.readPassword("%s", "Again, to confirm: ");
            if (second != null && Arrays.equals(first, second)) {
                Arrays.fill(second, '\0');
                return first;
            }
            Arrays.fill(first, '\0');
            if (second != null) {
                Arrays.fill(second, '\0');
            }
            console.writer().println("The two entries differ; try again.");
        }
        return null;
    }

    /**
     * One line of standard input without its line end, or null at end of input; at most
     * {@link PinText#MAX_BYTES} bytes (a longer line gives no PIN and says so).
     */
    private char[] readLine() {
        err.print("Reading a PIN from standard input" + System.lineSeparator());
        err.flush();
        try {
            return PinText.firstLine(stdin);
        } catch (PinText.TooLongException e) {
            err.print("nodeauth: the PIN line on standard input is longer than " + PinText.MAX_BYTES + " bytes"
                    + System.lineSeparator());
            err.flush();
            return null;
        } catch (IOException e) {
            return null;
        }
    }

    private static char[] firstLine(Path file, String what) throws CliException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            char[] pin = PinText.firstLine(in);
            return pin == null ? new char[0] : pin;
        } catch (PinText.TooLongException e) {
            throw new CliException(ExitCode.AUTHENTICATION, "the first line of the " + what + " file " + file
                    + " is longer than " + PinText.MAX_BYTES + " bytes; it is not a PIN");
        } catch (CharacterCodingException e) {
            throw new CliException(ExitCode.AUTHENTICATION, "the " + what + " file " + file + " is not UTF-8 text");
        } catch (IOException e) {
            throw new CliException(ExitCode.FAILURE, "the " + what + " file " + file + " cannot be read ("
                    + e.getClass().getSimpleName() + ")");
        }
    }

    private static String capitalised(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    /** Wipes every PIN read ahead of time. */
    @Override
    public void close() {
        readAhead.forEach(PinCallback.Fixed::close);
        readAhead.clear();
    }
}
