package jp.securetoken.cli;

import java.util.Base64;

import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.TokenKey;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nodeauth keygen URI --alias A --algorithm ALG}. */
@Command(name = "keygen", description = {"Generate a key pair inside the token as the pending key of an alias.",
    "The alias's current credential stays in use until a certificate for the new key is imported "
        + "(csr, then cert import)."})
final class KeygenCommand extends TokenAction {
    @Parameters(paramLabel = "URI", arity = "0..1", description = "The token (or give --token).")
    String address;

    @Mixin
    TokenAddress tokenAddress;

    @Option(names = "--alias", required = true, paramLabel = "ALIAS", description = "The credential's name.")
    String alias;

    @Option(names = "--algorithm", required = true, paramLabel = "ALG",
            description = "One of: ${COMPLETION-CANDIDATES}.")
    KeyAlgorithm algorithm;

    @Mixin
    PinOptions.User userPin;

    @Mixin
    PinOptions.Device deviceKey;

    @Override
    void run() throws Exception {
        try (PinReader pins = pins(); SecureToken token = open(tokenAddress.require(address))) {
            login(token, pins, userPin, deviceKey);
            TokenKey key = withProgress("Generating a " + algorithm + " key pair",
                    () -> token.lifecycle().generateKeyPair(alias, algorithm));
            out().println("Generated " + algorithm + " key pair '" + alias + "' in token '" + token.info().label()
                    + "' (pending until its certificate is imported).");
            out().println("Public key (SubjectPublicKeyInfo, base64): "
                    + Base64.getEncoder().encodeToString(key.publicKey().getEncoded()));
        }
    }
}
