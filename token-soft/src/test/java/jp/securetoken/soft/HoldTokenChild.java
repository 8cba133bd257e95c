package jp.securetoken.soft;

import java.nio.file.Path;

import jp.securetoken.api.SecureToken;

/** Child JVM of {@link BusyTest}: opens a token, says OPEN, and holds it until its stdin closes. */
public final class HoldTokenChild {
    private HoldTokenChild() {
    }

    public static void main(String[] args) throws Exception {
        try (SecureToken token = SoftTokens.open(Path.of(args[0]))) {
            System.out.println("OPEN " + token.info().label());
            System.out.flush();
            while (System.in.read() >= 0) {
                // hold the token until the parent closes our stdin
            }
        }
        System.exit(0);
    }
}
