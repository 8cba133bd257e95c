package jp.securetoken.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import jp.securetoken.api.SecureToken;
import jp.securetoken.api.UserDataStore;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nodeauth userdata get|set|list}: the token's user data records (JAHIS optional capability). */
@Command(name = "userdata", description = "Read and write a token's user data records.",
        subcommands = {UserDataCommands.Get.class, UserDataCommands.Set.class, UserDataCommands.ListRecords.class})
final class UserDataCommands extends NodeAuth.Group {

    /** {@code userdata get URI NAME}. */
    @Command(name = "get", description = "Write a record's bytes to standard output or a file. Needs no PIN.")
    static final class Get extends TokenAction {
        @Parameters(arity = "1..2", paramLabel = "[URI] NAME", description = "The token (or give --token) and "
                + "the record's name.")
        List<String> args;

        @Mixin
        TokenAddress tokenAddress;

        @Option(names = "--out", paramLabel = "FILE", description = "Write here (default: standard output).")
        Path outFile;

        @Override
        void run() throws Exception {
            TokenAddress.Split a = tokenAddress.split(args, 1, "[URI] NAME, or --token URI NAME");
            String name = a.rest().get(0);
            try (SecureToken token = open(a.address())) {
                byte[] value = token.userData().read(name).orElseThrow(() -> new CliException(ExitCode.BAD_INPUT,
                        "token '" + token.info().label() + "' has no user data record '" + name + "'"));
                writeOutput(outFile, value);
            }
        }
    }

    /** {@code userdata set URI NAME (--value TEXT | --file FILE)}. */
    @Command(name = "set", description = "Write or replace a record (needs the user PIN).")
    static final class Set extends TokenAction {
        @Parameters(arity = "1..2", paramLabel = "[URI] NAME", description = "The token (or give --token) and "
                + "the record's name: 1-64 of A-Z a-z 0-9 . _ -")
        List<String> args;

        @Mixin
        TokenAddress tokenAddress;

        @ArgGroup(exclusive = true, multiplicity = "1")
        Value value;

        @Mixin
        PinOptions.User userPin;

        @Mixin
        PinOptions.Device deviceKey;

        /** Where the record's bytes come from. */
        static final class Value {
            @Option(names = "--value", paramLabel = "TEXT", description = "The record as UTF-8 text.")
            String text;

            @Option(names = "--file", paramLabel = "FILE", description = "The record's bytes from this file.")
            Path file;
        }

        @Override
        void run() throws Exception {
            TokenAddress.Split a = tokenAddress.split(args, 1, "[URI] NAME, or --token URI NAME");
            String name = a.rest().get(0);
            byte[] bytes = value.text != null ? value.text.getBytes(StandardCharsets.UTF_8)
                    : readInput(value.file, "value file");
            try (PinReader pins = pins(); SecureToken token = open(a.address())) {
                UserDataStore store = token.userData();
                login(token, pins, userPin, deviceKey);
                store.write(name, bytes);
                out().println("Wrote user data record '" + name + "' (" + bytes.length + " bytes) to token '"
                        + token.info().label() + "'.");
            }
        }
    }

    /** {@code userdata list URI}. */
    @Command(name = "list", description = "List the records with their sizes. Needs no PIN.")
    static final class ListRecords extends TokenAction {
        @Parameters(paramLabel = "URI", arity = "0..1", description = "The token (or give --token).")
        String address;

        @Mixin
        TokenAddress tokenAddress;

        @Override
        void run() throws Exception {
            try (SecureToken token = open(tokenAddress.require(address))) {
                UserDataStore store = token.userData();
                java.util.List<String> names = store.names();
                if (names.isEmpty()) {
                    out().println("No user data records (limits: " + store.maxRecords() + " records of at most "
                            + store.maxRecordSize() + " bytes).");
                }
                for (String n : names) {
                    out().println(n + "  " + store.read(n).map(b -> b.length).orElse(0) + " bytes");
                }
            }
        }
    }
}
