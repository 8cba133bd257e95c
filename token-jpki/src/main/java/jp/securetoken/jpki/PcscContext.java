package jp.securetoken.jpki;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.Map;

import javax.smartcardio.CardException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-establishes the JDK's PC/SC context after the PC/SC service restarted. {@code javax.smartcardio}
 * establishes one context per JVM and never again: after pcscd restarts, every call on the old
 * context fails ({@code SCARD_E_INVALID_HANDLE}, {@code SCARD_E_NO_SERVICE}) until the JVM is
 * restarted (commons-eid issues 15/19; jnasmartcardio works around it with its own PC/SC binding).
 * Here the JDK's own context is dropped and made again: the static context handle of
 * {@code sun.security.smartcardio.PCSCTerminals} is set to zero, its cache of readers (which carry
 * the old handle) is emptied, and its {@code initContext()} establishes a new context.
 *
 * <p>That needs {@value #FLAG}; whether the package is open is checked first
 * ({@link Module#isOpen}), never by catching the failure. Without it the token says what to do.
 */
final class PcscContext {
    private static final Logger log = LoggerFactory.getLogger(PcscContext.class);
    /** The JVM option that lets the context be re-established. */
    static final String FLAG = "--add-opens java.smartcardio/sun.security.smartcardio=ALL-UNNAMED";
    private static final String[] LOST = {"SCARD_E_INVALID_HANDLE", "SCARD_E_NO_SERVICE", "SCARD_E_SERVICE_STOPPED",
        "SCARD_F_COMM_ERROR"};

    private PcscContext() {
    }

    /** Whether {@code e} says the PC/SC context itself is gone (the service restarted or stopped). */
    static boolean lost(Throwable e) {
        for (String code : LOST) {
            if (PcscErrors.has(e, code)) {
                return true;
            }
        }
        return false;
    }

    /** Whether this JVM lets the context be re-established. */
    static boolean renewable() {
        Module smartcardio = javax.smartcardio.CardTerminal.class.getModule();
        return smartcardio.isOpen("sun.security.smartcardio", PcscContext.class.getModule());
    }

    /**
     * Drops the JDK's PC/SC context and establishes a new one.
     *
     * @throws CardException when the service still cannot be reached
     * @throws IllegalStateException without {@value #FLAG}
     */
    static void renew() throws CardException {
        if (!renewable()) {
            throw new IllegalStateException("the PC/SC context cannot be renewed without " + FLAG);
        }
        try {
            Class<?> terminals = Class.forName("sun.security.smartcardio.PCSCTerminals");
            Field context = terminals.getDeclaredField("contextId");
            Field cache = terminals.getDeclaredField("terminals");
            Method init = terminals.getDeclaredMethod("initContext");
            context.setAccessible(true);
            cache.setAccessible(true);
            init.setAccessible(true);
            synchronized (terminals) { // PCSCTerminals' own static methods lock the class
                context.setLong(null, 0L);
                ((Map<?, ?>) cache.get(null)).clear();
                init.invoke(null);
            }
            log.info("Established a new PC/SC context (the PC/SC service had restarted)");
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw new CardException("the PC/SC service cannot be reached: " + e.getCause().getMessage(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("this JDK's javax.smartcardio has no PCSCTerminals context to renew", e);
        }
    }
}
