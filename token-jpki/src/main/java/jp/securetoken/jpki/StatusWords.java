package jp.securetoken.jpki;

import jp.securetoken.api.LoginRequiredException;
import jp.securetoken.api.PinIncorrectException;
import jp.securetoken.api.PinLockedException;
import jp.securetoken.api.PinRole;
import jp.securetoken.api.TokenDeviceException;
import jp.securetoken.api.TokenException;

/** The card's status words and the typed errors they become. */
final class StatusWords {
    static final int OK = 0x9000;
    static final int SECURITY_STATUS_NOT_SATISFIED = 0x6982;
    static final int AUTHENTICATION_BLOCKED = 0x6983;
    static final int FILE_NOT_FOUND = 0x6A82;

    /** What to do about a locked My Number Card PIN. */
    static final String HOW_TO_UNLOCK = "Only a municipal office can reset a My Number Card PIN: take the card "
            + "and identification there.";

    private StatusWords() {
    }

    /** Whether {@code sw} is {@code 63Cx}, a wrong PIN or a status query, with x tries left. */
    static boolean isTriesLeft(int sw) {
        return (sw & 0xFFF0) == 0x63C0;
    }

    /** The typed error for a status word other than {@code 9000}; {@code operation} names what failed. */
    static TokenException error(int sw, String operation) {
        if (sw == SECURITY_STATUS_NOT_SATISFIED) {
            return new LoginRequiredException(operation);
        }
        if (sw == AUTHENTICATION_BLOCKED) {
            return new PinLockedException(PinRole.USER, HOW_TO_UNLOCK);
        }
        if (isTriesLeft(sw)) {
            return new PinIncorrectException(PinRole.USER, sw & 0x0F);
        }
        return new TokenDeviceException(operation + " failed on the card", hex(sw), null);
    }

    /** {@code SW 6A82}. */
    static String hex(int sw) {
        return String.format("SW %04X", sw);
    }
}
