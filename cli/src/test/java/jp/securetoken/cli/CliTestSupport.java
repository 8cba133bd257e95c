package jp.securetoken.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Assertions shared by the CLI tests. */
final class CliTestSupport {
    private CliTestSupport() {
    }

    static Cli.Result expect(int exitCode, Cli.Result result) {
        assertEquals(exitCode, result.exitCode(), result::toString);
        return result;
    }

    static Cli withPins() {
        return new Cli().env("UPIN", Tokens.USER_PIN).env("APIN", Tokens.ADMIN_PIN);
    }
}
