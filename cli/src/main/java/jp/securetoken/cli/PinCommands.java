package jp.securetoken.cli;

import jp.securetoken.api.PinRole;
import jp.securetoken.api.SecureToken;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nodeauth pin change|unlock}. */
@Command(name = "pin", description = "Change a PIN, or unlock the user PIN with the administrator PIN.",
        subcommands = {PinCommands.Change.class, PinCommands.Unlock.class, PinCommands.EnrolDeviceKey.class})
final class PinCommands extends NodeAuth.Group {

    /** {@code pin change URI [--admin]}. */
    @Command(name = "change", description = {"Change the user PIN (or, with --admin, the administrator PIN) "
        + "after checking the current one.", "The current PIN comes from --pin-env/--pin-file (with --admin: "
            + "--admin-pin-env/--admin-pin-file), the new one from --new-pin-env/--new-pin-file, else a prompt."})
    static final class Change extends TokenAction {
        @Parameters(paramLabel = "URI", arity = "0..1", description = "The token (or give --token).")
        String address;

        @Mixin
        TokenAddress tokenAddress;

        @Option(names = "--admin", description = "Change the administrator PIN instead of the user PIN.")
        boolean admin;

        @Mixin
        PinOptions.User userPin;

        @Mixin
        PinOptions.Admin adminPin;

        @Mixin
        PinOptions.New newPin;

        @Override
        void run() throws Exception {
            PinRole role = admin ? PinRole.ADMINISTRATOR : PinRole.USER;
            PinOptions.Source current = admin ? adminPin.source() : userPin.source();
            try (PinReader pins = pins(); SecureToken token = open(tokenAddress.require(address))) {
                token.changePin(role, pins.callback("current " + role.displayName(), current, false),
                        pins.callback("new " + role.displayName(), newPin.source(), true));
                out().println("Changed the " + role.displayName() + " of token '" + token.info().label() + "'.");
            }
        }
    }

    /** {@code pin unlock URI}. */
    @Command(name = "unlock", description = {"Unlock the user PIN and set a new one, with the administrator PIN "
        + "(--admin-pin-env/--admin-pin-file; the new user PIN from --new-pin-env/--new-pin-file, else a prompt).",
        "A My Number Card's PIN cannot be unlocked this way (exit code 1)."})
    static final class Unlock extends TokenAction {
        @Parameters(paramLabel = "URI", arity = "0..1", description = "The token (or give --token).")
        String address;

        @Mixin
        TokenAddress tokenAddress;

        @Mixin
        PinOptions.Admin adminPin;

        @Mixin
        PinOptions.New newPin;

        @Override
        void run() throws Exception {
            try (PinReader pins = pins(); SecureToken token = open(tokenAddress.require(address))) {
                token.unlockUserPin(pins.callback("administrator PIN", adminPin.source(), false),
                        pins.callback("new user PIN", newPin.source(), true));
                out().println("Unlocked the user PIN of token '" + token.info().label() + "' and set a new one.");
            }
        }
    }

    /** {@code pin enrol-device-key URI --key FILE}. */
    @Command(name = "enrol-device-key", description = {"Enrol a device's host key, so that a device without a "
        + "person logs in with --device-key FILE instead of a user PIN kept in a file (JAHIS 7.2.2 b, key-based "
        + "token-entity authentication). Needs the user PIN once, now. Replaces an earlier device key.",
        "Software tokens; other tokens say they authenticate by PIN only (exit code 1)."})
    static final class EnrolDeviceKey extends TokenAction {
        @Parameters(paramLabel = "URI", arity = "0..1", description = "The token (or give --token).")
        String address;

        @Mixin
        TokenAddress tokenAddress;

        @Option(names = "--key", required = true, paramLabel = "FILE", description = "The device's host key: a "
                + "PEM RSA private key (openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out FILE).")
        java.nio.file.Path key;

        @Mixin
        PinOptions.User userPin;

        @Override
        void run() throws Exception {
            jp.securetoken.api.DeviceKey device = DeviceKeys.read(key);
            try (PinReader pins = pins(); SecureToken token = open(tokenAddress.require(address))) {
                login(token, pins.callback("user PIN", userPin.source(), false));
                token.enrolDeviceKey(device);
                out().println("Enrolled the device key of " + key + " in token '" + token.info().label()
                        + "': log in with --device-key " + key + " instead of the user PIN.");
            }
        }
    }
}
