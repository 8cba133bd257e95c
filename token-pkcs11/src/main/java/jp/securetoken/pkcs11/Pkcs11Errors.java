package jp.securetoken.pkcs11;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jp.securetoken.api.LoginRequiredException;
import jp.securetoken.api.PinLockedException;
import jp.securetoken.api.PinRole;
import jp.securetoken.api.TokenBusyException;
import jp.securetoken.api.TokenDeviceException;
import jp.securetoken.api.TokenException;
import jp.securetoken.api.TokenNotPresentException;
import jp.securetoken.api.TokenRemovedException;

/**
 * Turns PKCS#11 results into the SPI's typed errors. SunPKCS11 reports a result as a
 * {@code PKCS11Exception} whose message is the {@code CKR_*} name, usually wrapped in a
 * {@code ProviderException}, {@code LoginException} or {@code IOException}; the name is read from
 * the message so that this works with or without access to the JDK's internal wrapper.
 */
final class Pkcs11Errors {
    /** What to tell a user whose PIN is locked on a PKCS#11 token. */
    static final String HOW_TO_UNLOCK = "Ask the token's administrator to unlock it with the security officer PIN"
            + " (e.g. pkcs11-tool --init-pin --login --login-type so).";
    private static final Pattern CKR = Pattern.compile("CKR_[A-Z0-9_]+");

    private Pkcs11Errors() {
    }

    /** The first {@code CKR_*} name in the cause chain. */
    static Optional<String> ckr(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            String m = c.getMessage();
            if (m != null) {
                Matcher matcher = CKR.matcher(m);
                if (matcher.find()) {
                    return Optional.of(matcher.group());
                }
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return Optional.empty();
    }

    /**
     * SunPKCS11's own word that its token is gone: once it has seen a removable token leave, it
     * answers every call with {@code ProviderException("Token has been removed")}, without a CKR
     * code, until its poller sees the token back.
     */
    static boolean removedBySunPkcs11(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof java.security.ProviderException && "Token has been removed".equals(c.getMessage())) {
                return true;
            }
        }
        return false;
    }

    /**
     * The typed error for a failed operation on token {@code token}. PIN results other than
     * "locked" are handled by the login code, which knows the token's flags.
     */
    static TokenException map(Throwable t, String token, String operation) {
        if (ckr(t).isEmpty() && removedBySunPkcs11(t)) {
            return new TokenRemovedException(token, t);
        }
        String code = ckr(t).orElse("no CKR code");
        return switch (code) {
            case "CKR_PIN_LOCKED" -> new PinLockedException(PinRole.USER, HOW_TO_UNLOCK);
            case "CKR_USER_NOT_LOGGED_IN" -> new LoginRequiredException(operation);
            case "CKR_DEVICE_REMOVED", "CKR_SESSION_HANDLE_INVALID", "CKR_SESSION_CLOSED", "CKR_DEVICE_ERROR" ->
                code.equals("CKR_DEVICE_ERROR") ? new TokenDeviceException(operation + " failed on " + token, code, t)
                        : new TokenRemovedException(token, t);
            case "CKR_TOKEN_NOT_PRESENT", "CKR_TOKEN_NOT_RECOGNIZED", "CKR_SLOT_ID_INVALID" ->
                new TokenNotPresentException(token + " (" + code + ")", t);
            case "CKR_SESSION_COUNT", "CKR_USER_ANOTHER_ALREADY_LOGGED_IN" -> new TokenBusyException(token);
            default -> new TokenDeviceException(operation + " failed on " + token, code, t);
        };
    }
}
