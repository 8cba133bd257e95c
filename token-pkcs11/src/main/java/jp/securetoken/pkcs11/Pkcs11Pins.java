package jp.securetoken.pkcs11;

import java.util.Arrays;

import jp.securetoken.api.PinCallback;
import jp.securetoken.api.PinEntryCancelledException;
import jp.securetoken.api.PinFormatException;
import jp.securetoken.api.PinIncorrectException;
import jp.securetoken.api.PinLockedException;
import jp.securetoken.api.PinRequest;
import jp.securetoken.api.PinRole;
import jp.securetoken.api.PinStatus;
import jp.securetoken.api.TokenException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Changing and unlocking the PINs of one PKCS#11 token: C_SetPIN (user PIN in a public session,
 * SO PIN after an SO login) and C_InitPIN after an SO login, through {@link IaikCryptoki}. The
 * token's flags are read first (a locked PIN is refused without asking for it), the new PIN is
 * checked against the token's length limits before the token sees it, and every PIN array is
 * wiped. Runs on the token's queue.
 */
final class Pkcs11Pins {
    private static final Logger LOG = LoggerFactory.getLogger(Pkcs11Pins.class);
    private static final String SO_LOCKED = "The token's security officer PIN is locked; only re-initialising the"
            + " token (which deletes its objects) resets it.";

    private final Cryptoki cryptoki;
    private final long slot;
    private final String label;
    private IaikCryptoki calls;

    Pkcs11Pins(Cryptoki cryptoki, long slot, String label) {
        this.cryptoki = cryptoki;
        this.slot = slot;
        this.label = label;
    }

    private IaikCryptoki calls() throws TokenException {
        if (calls == null) {
            calls = IaikCryptoki.load(cryptoki.module());
        }
        return calls;
    }

    /** C_SetPIN for {@code role} (ADMINISTRATOR is the PKCS#11 security officer). */
    void change(PinRole role, PinCallback currentPin, PinCallback newPin) throws TokenException {
        Cryptoki.TokenState state = cryptoki.tokenState(slot);
        PinStatus status = Pkcs11Token.status(role, state);
        if (status.locked()) {
            throw new PinLockedException(role, role == PinRole.USER ? Pkcs11Errors.HOW_TO_UNLOCK : SO_LOCKED);
        }
        String rule = rule(state);
        char[] current = ask(currentPin, new PinRequest(role, "change", label, status.retriesLeft(), rule), role);
        char[] fresh = null;
        try {
            fresh = ask(newPin, new PinRequest(role, "new", label, PinStatus.UNKNOWN, rule), role);
            requireLength(fresh, state, role, rule);
            calls().setPin(slot, role == PinRole.ADMINISTRATOR, current, fresh);
            LOG.info("Changed the {} of PKCS#11 token {}", role.displayName(), label);
        } catch (TokenException e) {
            throw pinFailure(e, role, rule);
        } finally {
            Arrays.fill(current, '\0');
            if (fresh != null) {
                Arrays.fill(fresh, '\0');
            }
        }
    }

    /** C_Login as security officer and C_InitPIN: a new user PIN, which also clears a locked one. */
    void unlock(PinCallback administratorPin, PinCallback newUserPin) throws TokenException {
        Cryptoki.TokenState state = cryptoki.tokenState(slot);
        PinStatus so = Pkcs11Token.status(PinRole.ADMINISTRATOR, state);
        if (so.locked()) {
            throw new PinLockedException(PinRole.ADMINISTRATOR, SO_LOCKED);
        }
        String rule = rule(state);
        char[] soPin = ask(administratorPin, new PinRequest(PinRole.ADMINISTRATOR, "unlock", label,
                so.retriesLeft(), rule), PinRole.ADMINISTRATOR);
        char[] fresh = null;
        try {
            fresh = ask(newUserPin, new PinRequest(PinRole.USER, "new", label, PinStatus.UNKNOWN, rule),
                    PinRole.USER);
            requireLength(fresh, state, PinRole.USER, rule);
            calls().initUserPin(slot, soPin, fresh);
            LOG.info("Set a new user PIN on PKCS#11 token {} with the security officer PIN", label);
        } catch (TokenException e) {
            throw pinFailure(e, PinRole.ADMINISTRATOR, rule);
        } finally {
            Arrays.fill(soPin, '\0');
            if (fresh != null) {
                Arrays.fill(fresh, '\0');
            }
        }
    }

    private static char[] ask(PinCallback callback, PinRequest request, PinRole role) throws TokenException {
        char[] pin = callback.providePin(request);
        if (pin == null) {
            throw new PinEntryCancelledException(role);
        }
        return pin;
    }

    private static String rule(Cryptoki.TokenState state) {
        long min = Math.max(0, state.minPin());
        return state.maxPin() <= 0 ? "at least " + min + " characters" : min + " to " + state.maxPin() + " characters";
    }

    private static void requireLength(char[] pin, Cryptoki.TokenState state, PinRole role, String rule)
            throws PinFormatException {
        long max = state.maxPin() <= 0 ? Long.MAX_VALUE : state.maxPin();
        if (pin.length < Math.max(0, state.minPin()) || pin.length > max) {
            throw new PinFormatException(role, rule);
        }
    }

    /** The PIN results of C_Login, C_SetPIN and C_InitPIN as PIN errors of {@code role}; others unchanged. */
    private TokenException pinFailure(TokenException e, PinRole role, String rule) throws TokenException {
        String code = Pkcs11Errors.ckr(e).orElse("");
        switch (code) {
            case "CKR_PIN_INCORRECT":
                PinStatus after = Pkcs11Token.status(role, cryptoki.tokenState(slot));
                return after.retriesKnown() ? new PinIncorrectException(role, after.retriesLeft())
                        : new PinIncorrectException(role);
            case "CKR_PIN_LEN_RANGE":
            case "CKR_PIN_INVALID":
                return new PinFormatException(role, rule);
            case "CKR_PIN_LOCKED":
                return new PinLockedException(role, role == PinRole.USER ? Pkcs11Errors.HOW_TO_UNLOCK : SO_LOCKED);
            default:
                return e;
        }
    }
}
