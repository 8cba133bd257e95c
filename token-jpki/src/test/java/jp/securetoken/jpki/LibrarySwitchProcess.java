package jp.securetoken.jpki;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.Callable;

import jp.securetoken.api.Credential;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.SecureTokens;
import jp.securetoken.api.SignatureScheme;

/**
 * The child JVM of {@link OneLibraryAtATimeTest}: the JPKI library route with two real libraries,
 * OpenSC's module (over the emulated card in pcscd's vpcd reader) and SoftHSM2's, in a process where
 * nothing else has initialised either (a SunPKCS11 instance of the test JVM may hold OpenSC's). Prints
 * one line per step for the test to compare.
 *
 * <p>Arguments: OpenSC's module, the SoftHSM2 route's URI, the card's user-authentication PIN, the
 * SoftHSM2 token's user PIN.
 */
public final class LibrarySwitchProcess {
    private static final byte[] DATA = "one library at a time".getBytes(StandardCharsets.UTF_8);

    private LibrarySwitchProcess() {
    }

    public static void main(String[] args) throws Exception {
        String openSc = "jpki:auth?route=pkcs11&module-path=" + args[0];
        String softHsm = args[1];
        SecureTokens tokens = SecureTokens.discover();
        try (SecureToken card = tokens.open(openSc)) {
            loaded();
            refused(() -> tokens.open(softHsm));
            card.login(request -> args[2].toCharArray());
            signs(card);
        }
        loaded();
        try (SecureToken hsm = tokens.open(softHsm)) {
            loaded();
            refused(() -> tokens.open(openSc));
            hsm.login(request -> args[3].toCharArray());
            signs(hsm);
        }
        loaded();
        try (SecureToken again = tokens.open(openSc)) { // C_Finalize ran: OpenSC's module initialises afresh
            again.login(request -> args[2].toCharArray());
            signs(again);
        }
        loaded();
    }

    private static void loaded() {
        System.out.println("loaded " + JpkiLibraryToken.loadedLibrary().map(Path::toString).orElse("none"));
    }

    private static void refused(Callable<SecureToken> open) {
        String loaded = JpkiLibraryToken.loadedLibrary().map(Path::toString).orElse("none");
        try (SecureToken second = open.call()) {
            System.out.println("opened " + second.info().uri() + " while " + loaded + " was loaded");
        } catch (Exception e) {
            System.out.println("refused: " + e.getClass().getSimpleName()
                    + (e.getMessage() != null && e.getMessage().contains(loaded) ? " naming " + Path.of(loaded).getFileName()
                            : ": " + e.getMessage()));
        }
    }

    private static void signs(SecureToken token) throws Exception {
        Credential auth = token.credentials().get(0);
        byte[] signature = auth.key().sign(SignatureScheme.RSA_PKCS1_SHA256, DATA);
        java.security.Signature v = java.security.Signature.getInstance("SHA256withRSA");
        v.initVerify(auth.certificate());
        v.update(DATA);
        System.out.println("signed with " + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(auth.certificate().getEncoded())) + ": " + (v.verify(signature) ? "verified" : "NOT verified"));
    }
}
