package jp.securetoken.pkcs11;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.OptionalLong;

import iaik.pkcs.pkcs11.wrapper.CK_C_INITIALIZE_ARGS;
import iaik.pkcs.pkcs11.wrapper.PKCS11;
import jp.securetoken.api.TokenDeviceException;
import jp.securetoken.api.TokenException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xipki.pkcs11.wrapper.PKCS11Constants;
import org.xipki.pkcs11.wrapper.PKCS11Module;
import org.xipki.pkcs11.wrapper.StaticLogger;

/**
 * The PKCS#11 functions the JDK's wrapper lacks, called through the IAIK PKCS#11 wrapper as xipki
 * publishes it ({@code org.xipki:ipkcs11wrapper}): C_SetPIN, C_InitPIN and C_WaitForSlotEvent.
 *
 * <p>The library is the same shared object SunPKCS11 loaded, so the process has one Cryptoki
 * instance: C_Initialize here answers CKR_CRYPTOKI_ALREADY_INITIALIZED when SunPKCS11 was first,
 * which is fine, and login state is shared with SunPKCS11's sessions. This class never calls
 * C_Finalize: other users of the library in this JVM would lose their sessions.
 */
final class IaikCryptoki {
    private static final Logger LOG = LoggerFactory.getLogger(IaikCryptoki.class);
    static final long CKR_CRYPTOKI_ALREADY_INITIALIZED = 0x191L;
    static final long CKR_FUNCTION_NOT_SUPPORTED = 0x54L;
    static final long CKR_NO_EVENT = 0x8L;
    static final long CKF_DONT_BLOCK = 0x1L;

    static {
        // the wrapper prints to System.out unless given a logger
        StaticLogger.setLogger(new Slf4jBridge());
    }

    private final PKCS11 p11;
    private final Path module;

    private IaikCryptoki(PKCS11 p11, Path module) {
        this.p11 = p11;
        this.module = module;
    }

    /** The IAIK wrapper's function list of the library at {@code module}, not initialised. */
    static PKCS11 module(Path module) throws TokenException {
        return xipkiModule(module).getPKCS11Module();
    }

    /** The library at {@code module} as xipki's higher-level module (sessions, attribute reads), not initialised. */
    static PKCS11Module xipkiModule(Path module) throws TokenException {
        try {
            return PKCS11Module.getInstance(module.toString());
        } catch (IOException | RuntimeException | UnsatisfiedLinkError e) {
            throw new TokenDeviceException("the PKCS#11 library " + module + " could not be loaded through the IAIK"
                    + " wrapper: " + e.getMessage(), "LOAD_FAILED", e);
        }
    }

    /** Loads the library (or joins the instance already loaded in this process) and initialises it. */
    static IaikCryptoki load(Path module) throws TokenException {
        PKCS11 p11 = module(module);
        CK_C_INITIALIZE_ARGS args = new CK_C_INITIALIZE_ARGS();
        args.flags = 0x2L; // CKF_OS_LOCKING_OK, as SunPKCS11 asks
        try {
            p11.C_Initialize(args, true);
        } catch (iaik.pkcs.pkcs11.wrapper.PKCS11Exception e) {
            if (e.getErrorCode() != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
                throw failure(e, module.toString(), "C_Initialize");
            }
        }
        return new IaikCryptoki(p11, module);
    }

    /** The typed error for a failed call. */
    static TokenException failure(iaik.pkcs.pkcs11.wrapper.PKCS11Exception e, String token, String operation) {
        return Pkcs11Errors.map(new Ckr(e.getErrorCode()), token, operation);
    }

    /** The typed error for a failed call of xipki's higher-level API. */
    static TokenException failure(org.xipki.pkcs11.wrapper.PKCS11Exception e, String token, String operation) {
        return Pkcs11Errors.map(new Ckr(e.getErrorCode()), token, operation);
    }

    /** A CKR result as an exception whose message is its name, the form {@link Pkcs11Errors} reads. */
    static final class Ckr extends Exception {
        private static final long serialVersionUID = 1L;
        private final long code;

        Ckr(long code) {
            super(name(code));
            this.code = code;
        }

        long code() {
            return code;
        }

        static String name(long code) {
            String name = PKCS11Constants.codeToName(PKCS11Constants.Category.CKR, code);
            return name == null || !name.startsWith("CKR_") ? "CKR_0x" + Long.toHexString(code) : name;
        }
    }

    /**
     * C_SetPIN in a new read/write session. For the user PIN the session is public (or shares the
     * user login of this process); for the SO PIN the session logs in as SO with the old PIN first
     * and out again. Both arrays are left to the caller to wipe.
     */
    void setPin(long slot, boolean securityOfficer, char[] oldPin, char[] newPin) throws TokenException {
        long session = openReadWrite(slot);
        try {
            if (securityOfficer) {
                p11.C_Login(session, Ck.CKU_SO, oldPin, true);
            }
            try {
                p11.C_SetPIN(session, oldPin, newPin, true);
            } finally {
                if (securityOfficer) {
                    logoutQuietly(session);
                }
            }
        } catch (iaik.pkcs.pkcs11.wrapper.PKCS11Exception e) {
            throw failure(e, "slot " + Long.toUnsignedString(slot), "C_SetPIN");
        } finally {
            closeQuietly(session);
        }
    }

    /** C_Login as SO with {@code soPin}, C_InitPIN with {@code newUserPin}, C_Logout, in a new read/write session. */
    void initUserPin(long slot, char[] soPin, char[] newUserPin) throws TokenException {
        long session = openReadWrite(slot);
        try {
            p11.C_Login(session, Ck.CKU_SO, soPin, true);
            try {
                p11.C_InitPIN(session, newUserPin, true);
            } finally {
                logoutQuietly(session);
            }
        } catch (iaik.pkcs.pkcs11.wrapper.PKCS11Exception e) {
            throw failure(e, "slot " + Long.toUnsignedString(slot), "C_InitPIN");
        } finally {
            closeQuietly(session);
        }
    }

    /**
     * C_WaitForSlotEvent with CKF_DONT_BLOCK: the slot of a pending insert/remove event, empty
     * when none is pending.
     *
     * @throws SlotEventsUnsupported when the library does not offer the function (SoftHSM2)
     */
    OptionalLong pendingSlotEvent() throws TokenException, SlotEventsUnsupported {
        try {
            return OptionalLong.of(p11.C_WaitForSlotEvent(CKF_DONT_BLOCK, null));
        } catch (iaik.pkcs.pkcs11.wrapper.PKCS11Exception e) {
            if (e.getErrorCode() == CKR_NO_EVENT) {
                return OptionalLong.empty();
            }
            if (e.getErrorCode() == CKR_FUNCTION_NOT_SUPPORTED) {
                throw new SlotEventsUnsupported(module);
            }
            throw failure(e, module.toString(), "C_WaitForSlotEvent");
        }
    }

    /** The library answered C_WaitForSlotEvent with CKR_FUNCTION_NOT_SUPPORTED. */
    static final class SlotEventsUnsupported extends Exception {
        private static final long serialVersionUID = 1L;

        SlotEventsUnsupported(Path module) {
            super(module + " does not support C_WaitForSlotEvent");
        }
    }

    private long openReadWrite(long slot) throws TokenException {
        try {
            return p11.C_OpenSession(slot, Ck.CKF_SERIAL_SESSION | Ck.CKF_RW_SESSION, null, null);
        } catch (iaik.pkcs.pkcs11.wrapper.PKCS11Exception e) {
            throw failure(e, "slot " + Long.toUnsignedString(slot), "C_OpenSession");
        }
    }

    private void logoutQuietly(long session) {
        try {
            p11.C_Logout(session);
        } catch (iaik.pkcs.pkcs11.wrapper.PKCS11Exception e) {
            LOG.debug("C_Logout after a PIN operation: {}", Ckr.name(e.getErrorCode()));
        }
    }

    private void closeQuietly(long session) {
        try {
            p11.C_CloseSession(session);
        } catch (iaik.pkcs.pkcs11.wrapper.PKCS11Exception e) {
            LOG.debug("C_CloseSession after a PIN operation: {}", Ckr.name(e.getErrorCode()));
        }
    }

    /** Sends the wrapper's log lines to SLF4J. */
    private static final class Slf4jBridge implements org.xipki.pkcs11.wrapper.Logger {
        private static final Logger WRAPPER = LoggerFactory.getLogger("org.xipki.pkcs11.wrapper");

        @Override
        public void info(String format, Object... args) {
            WRAPPER.debug(format, args); // the wrapper's info lines (its licence notice, each load) are detail for us
        }

        @Override
        public void warn(String format, Object... args) {
            WRAPPER.warn(format, args);
        }

        @Override
        public void error(String format, Object... args) {
            WRAPPER.error(format, args);
        }

        @Override
        public void debug(String format, Object... args) {
            WRAPPER.debug(format, args);
        }

        @Override
        public void trace(String format, Object... args) {
            WRAPPER.trace(format, args);
        }

        @Override
        public boolean isDebugEnabled() {
            return WRAPPER.isDebugEnabled();
        }

        @Override
        public boolean isInfoEnabled() {
            return WRAPPER.isDebugEnabled();
        }

        @Override
        public boolean isWarnEnabled() {
            return WRAPPER.isWarnEnabled();
        }

        @Override
        public boolean isTraceEnabled() {
            return WRAPPER.isTraceEnabled();
        }
    }
}
