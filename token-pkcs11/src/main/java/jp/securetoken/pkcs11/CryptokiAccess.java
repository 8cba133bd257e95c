package jp.securetoken.pkcs11;

import java.util.Optional;

/**
 * Whether this code may use the JDK's internal PKCS#11 wrapper ({@code sun.security.pkcs11.wrapper}),
 * which the JVM opens only with
 * {@code --add-exports jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED}. Nothing here
 * refers to the wrapper's types, so asking is safe without the flag.
 */
final class CryptokiAccess {
    static final String PACKAGE = "sun.security.pkcs11.wrapper";
    static final String FLAG = "--add-exports jdk.crypto.cryptoki/" + PACKAGE + "=ALL-UNNAMED";

    private CryptokiAccess() {
    }

    /** Whether the wrapper is exported to this module. */
    static boolean available() {
        Optional<Module> cryptoki = ModuleLayer.boot().findModule("jdk.crypto.cryptoki");
        return cryptoki.isPresent() && cryptoki.get().isExported(PACKAGE, CryptokiAccess.class.getModule());
    }
}
