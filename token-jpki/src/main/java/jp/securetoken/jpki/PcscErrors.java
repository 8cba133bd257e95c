package jp.securetoken.jpki;

/**
 * Reads the PC/SC result code out of a {@code javax.smartcardio} exception. The JDK puts it (e.g.
 * {@code SCARD_W_REMOVED_CARD}) into the message of the cause, a class that is not public API.
 */
final class PcscErrors {

    private PcscErrors() {
    }

    /** Whether {@code code} appears in the message of {@code e} or one of its causes. */
    static boolean has(Throwable e, String code) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains(code)) {
                return true;
            }
        }
        return false;
    }
}
