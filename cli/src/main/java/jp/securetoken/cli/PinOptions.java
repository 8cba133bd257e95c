package jp.securetoken.cli;

import java.nio.file.Path;

import picocli.CommandLine.Option;

/** The options that say where a PIN comes from, one group per PIN a command needs. */
final class PinOptions {
    private PinOptions() {
    }

    /**
     * Where one PIN comes from, as given on the command line.
     *
     * @param envOption  the option's name for the environment variable
     * @param env        the variable's name, or null
     * @param fileOption the option's name for the file
     * @param file       the file, or null
     */
    record Source(String envOption, String env, String fileOption, Path file) {
    }

    /** The user PIN: {@code --pin-env}, {@code --pin-file}. */
    static final class User {
        @Option(names = "--pin-env", paramLabel = "NAME",
                description = "Read the user PIN from this environment variable.")
        String env;

        @Option(names = "--pin-file", paramLabel = "FILE",
                description = "Read the user PIN from the first line of this file.")
        Path file;

        Source source() {
            return new Source("--pin-env", env, "--pin-file", file);
        }
    }

    /** The administrator PIN: {@code --admin-pin-env}, {@code --admin-pin-file}. */
    static final class Admin {
        @Option(names = "--admin-pin-env", paramLabel = "NAME",
                description = "Read the administrator PIN from this environment variable.")
        String env;

        @Option(names = "--admin-pin-file", paramLabel = "FILE",
                description = "Read the administrator PIN from the first line of this file.")
        Path file;

        Source source() {
            return new Source("--admin-pin-env", env, "--admin-pin-file", file);
        }
    }

    /** A PIN being set: {@code --new-pin-env}, {@code --new-pin-file}. */
    static final class New {
        @Option(names = "--new-pin-env", paramLabel = "NAME",
                description = "Read the new PIN from this environment variable.")
        String env;

        @Option(names = "--new-pin-file", paramLabel = "FILE",
                description = "Read the new PIN from the first line of this file.")
        Path file;

        Source source() {
            return new Source("--new-pin-env", env, "--new-pin-file", file);
        }
    }

    /** A file's password (PKCS#12): {@code --password-env}, {@code --password-file}. */
    static final class Password {
        @Option(names = "--password-env", paramLabel = "NAME",
                description = "Read the file's password from this environment variable.")
        String env;

        @Option(names = "--password-file", paramLabel = "FILE",
                description = "Read the file's password from the first line of this file.")
        Path file;

        Source source() {
            return new Source("--password-env", env, "--password-file", file);
        }
    }

    /** The emulated card's user-authentication PIN ({@code jpki emulate}): {@code --auth-pin-env}, {@code --auth-pin-file}. */
    static final class CardAuth {
        @Option(names = "--auth-pin-env", paramLabel = "NAME",
                description = "Read the card's user-authentication PIN from this environment variable.")
        String env;

        @Option(names = "--auth-pin-file", paramLabel = "FILE",
                description = "Read the card's user-authentication PIN from the first line of this file.")
        Path file;

        Source source() {
            return new Source("--auth-pin-env", env, "--auth-pin-file", file);
        }
    }

    /** The emulated card's signature PIN ({@code jpki emulate}): {@code --sign-pin-env}, {@code --sign-pin-file}. */
    static final class CardSign {
        @Option(names = "--sign-pin-env", paramLabel = "NAME",
                description = "Read the card's signature PIN from this environment variable.")
        String env;

        @Option(names = "--sign-pin-file", paramLabel = "FILE",
                description = "Read the card's signature PIN from the first line of this file.")
        Path file;

        Source source() {
            return new Source("--sign-pin-env", env, "--sign-pin-file", file);
        }
    }

    /**
     * {@code --device-key FILE}: a device without a person logs in with its host key instead of the
     * user PIN (JAHIS 7.2.2 b), once {@code pin enrol-device-key} enrolled that key in the token.
     */
    static final class Device {
        @Option(names = "--device-key", paramLabel = "FILE", description = {"Log in with this device host key "
            + "(PEM private key, RSA, e.g. from openssl genpkey; keep it mode 0600) instead of the user PIN, once "
            + "'pin enrol-device-key' enrolled it in the token (software tokens)."})
        Path file;
    }
}
