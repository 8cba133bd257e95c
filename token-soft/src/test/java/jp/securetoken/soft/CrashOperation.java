package jp.securetoken.soft;

import jp.securetoken.api.CredentialUsage;
import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.PinIncorrectException;
import jp.securetoken.api.PinRole;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.TokenException;
import jp.securetoken.api.TokenKey;
import jp.securetoken.testpki.TestPki;

/**
 * The soft token's writes the crash matrix interrupts, each with how many atomic replaces it makes
 * (a login counts the try, then clears the count) and what "new" means once it completed.
 */
enum CrashOperation {
    /** A wrong user PIN: the failure counter goes up. */
    WRONG_PIN(1),
    /** A right user PIN: the try is counted, then the count cleared. */
    LOGIN(2),
    /** Login, then a new key pair for alias {@code next} (pending). */
    KEY_GENERATION(3),
    /** Login, a new key for {@code node}, then its new certificate (credential replaced). */
    CREDENTIAL_IMPORT(4),
    /** Login, then user data record {@code device-id} rewritten. */
    USER_DATA(3),
    /** The user PIN changed (current PIN counted and cleared, then the new slot). */
    PIN_CHANGE(3),
    /** A locked user PIN unlocked with the administrator PIN and set anew. */
    UNLOCK(3);

    static final String NEW_USER_PIN = "4712-renewed";
    static final byte[] OLD_DATA = "ACME-0001 old".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    static final byte[] NEW_DATA = "ACME-0002 new".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final int writes;

    CrashOperation(int writes) {
        this.writes = writes;
    }

    /** The atomic replaces one run of the operation makes. */
    int writes() {
        return writes;
    }

    /** Whether the operation starts from a token whose user PIN is locked. */
    boolean needsLockedPin() {
        return this == UNLOCK;
    }

    /** Runs the operation on an open token (in the child JVM that is halted or killed in the middle). */
    void run(SecureToken token) throws TokenException {
        switch (this) {
            case WRONG_PIN -> {
                try {
                    token.login(Fixtures.pin("0000-wrong"));
                } catch (PinIncorrectException expected) {
                    // the counted try is the write under test
                }
            }
            case LOGIN -> token.login(Fixtures.pin(Fixtures.USER_PIN));
            case KEY_GENERATION -> {
                token.login(Fixtures.pin(Fixtures.USER_PIN));
                token.lifecycle().generateKeyPair("next", KeyAlgorithm.EC_P256);
            }
            case CREDENTIAL_IMPORT -> {
                token.login(Fixtures.pin(Fixtures.USER_PIN));
                TokenKey key = token.lifecycle().generateKeyPair("node", KeyAlgorithm.EC_P256);
                token.lifecycle().writeCredential("node", TestPki.create("Renewal CA").issue("node").clientAuth()
                        .certifyChain(key.publicKey()), CredentialUsage.NODE_AUTHENTICATION);
            }
            case USER_DATA -> {
                token.login(Fixtures.pin(Fixtures.USER_PIN));
                token.userData().write("device-id", NEW_DATA);
            }
            case PIN_CHANGE -> token.changePin(PinRole.USER, Fixtures.pin(Fixtures.USER_PIN), Fixtures.pin(NEW_USER_PIN));
            case UNLOCK -> token.unlockUserPin(Fixtures.pin(Fixtures.ADMIN_PIN), Fixtures.pin(NEW_USER_PIN));
            default -> throw new IllegalStateException(name());
        }
    }
}
