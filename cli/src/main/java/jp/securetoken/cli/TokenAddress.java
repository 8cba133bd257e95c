package jp.securetoken.cli;

import java.util.List;

import picocli.CommandLine.Option;

/**
 * The {@code --token URI} option every command that works on a token takes. The older positional
 * form ({@code nodeauth token info URI}) keeps working; giving both, or neither, is a usage error.
 */
final class TokenAddress {
    @Option(names = "--token", paramLabel = "URI", description = "The token: soft:/path/node.stk (or the .stk "
            + "file), jpki:auth, jpki:sign, pkcs11:token=...?module-path=...")
    String option;

    /** The address, from {@code --token} or the positional argument. */
    String require(String positional) throws CliException {
        if (option != null && positional != null) {
            if (option.equals(positional)) {
                return option;
            }
            throw new CliException(ExitCode.USAGE, "give the token once: --token " + option + " or " + positional
                    + ", not both");
        }
        if (option == null && positional == null) {
            throw new CliException(ExitCode.USAGE, "which token? give it with --token URI");
        }
        return option != null ? option : positional;
    }

    /**
     * The address and the command's other positional arguments: with {@code --token}, all of
     * {@code args} are the others; without, the first is the address.
     *
     * @param others how many other positional arguments the command takes, for messages
     */
    Split split(List<String> args, int others, String usage) throws CliException {
        List<String> given = args == null ? List.of() : args;
        if (option != null && given.size() == others) {
            return new Split(option, given);
        }
        if (option == null && given.size() == others + 1) {
            return new Split(given.get(0), given.subList(1, given.size()));
        }
        throw new CliException(ExitCode.USAGE, "expected " + usage);
    }

    /**
     * The file of a software token address ({@code soft:/path/node.stk}, or a path), for the
     * commands that create or write a software token file.
     */
    static java.nio.file.Path softFile(String address, String command) throws CliException {
        if (address.startsWith("soft:")) {
            java.net.URI uri = java.net.URI.create(address.replace(" ", "%20"));
            String path = uri.getPath() != null ? uri.getPath() : uri.getSchemeSpecificPart();
            return java.nio.file.Path.of(path).toAbsolutePath().normalize();
        }
        if (address.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*") && !address.matches("^[a-zA-Z]:\\\\.*")) {
            throw new CliException(ExitCode.USAGE, command + " writes software tokens (soft:/path/node.stk); "
                    + address + " is not one");
        }
        return java.nio.file.Path.of(address).toAbsolutePath().normalize();
    }

    /** A token address and the positional arguments that follow it. */
    record Split(String address, List<String> rest) {
    }
}
